import type { Socket } from "node:net";
import { webSocketLimits } from "./limits";
import type { ManagementApi, ManagementReply } from "./management-api";

/**
 * An HTTP/1.1 connection that carries `@connections` requests, served in batches: every request
 * that a read brings is handled at once (a post writes its frame there and then), and their
 * responses leave together, in order, in one write.
 *
 * Why not node:http: it writes each response with its own syscall and holds a pipelined
 * response until the one before it has been flushed, so a client's burst of posts costs the
 * gateway a syscall per post on top of the frame it writes; with node:http alone the fan-out
 * falls well short of SPEC §9's ratio (docs/benchmarks.md, "The gateway's own `@connections`
 * server"). The framing kept is what `@connections` clients send (the AWS SDKs, curl, this
 * project's transport): `Content-Length` bodies; a chunked body is refused with 411.
 */
export interface ManagementConnectionOptions {
  /** Request heads over this are refused (431) and the connection closed. Default 16 KiB (Node's). */
  maxHeadBytes?: number;
  /** Idle keep-alive connections are closed after this long. */
  keepAliveMs: number;
}

const statusText: Record<number, string> = {
  100: "Continue",
  200: "OK",
  204: "No Content",
  400: "Bad Request",
  403: "Forbidden",
  410: "Gone",
  411: "Length Required",
  413: "Payload Too Large",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
};

interface PendingHead {
  method: string;
  target: string;
  headers: Record<string, string>;
  bodyLength: number;
  closeAfter: boolean;
}

const requestLine = /^([A-Z]+) (\S+) HTTP\/1\.([01])$/;

export function serveManagementConnection(
  socket: Socket,
  api: ManagementApi,
  options: ManagementConnectionOptions,
): void {
  const maxHeadBytes = options.maxHeadBytes ?? 16 * 1024;
  let received: Buffer | undefined;
  let head: PendingHead | undefined;
  let closing = false;

  socket.setNoDelay(true);
  socket.setTimeout(options.keepAliveMs, () => socket.destroy());
  socket.on("error", () => socket.destroy());

  const serialize = (reply: ManagementReply, closeAfter: boolean): string => {
    let text = `HTTP/1.1 ${reply.status} ${statusText[reply.status] ?? "Unknown"}\r\n`;
    for (const name in reply.headers) text += `${name}: ${reply.headers[name]}\r\n`;
    if (reply.status !== 204) text += `content-length: ${Buffer.byteLength(reply.body)}\r\n`;
    text += closeAfter ? "connection: close\r\n\r\n" : "\r\n";
    return reply.status === 204 ? text : text + reply.body;
  };

  /** A request that cannot be read further: answered, and the connection closed after it. */
  const refuse = (status: number, message: string): string => {
    closing = true;
    return serialize(
      { status, headers: { "content-type": "application/json" }, body: JSON.stringify({ message }) },
      true,
    );
  };

  const parseHead = (text: string): PendingHead | string => {
    // Lines found in place rather than split into an array: what a head costs shows per post.
    let lineEnd = text.indexOf("\r\n");
    if (lineEnd < 0) lineEnd = text.length;
    const line = requestLine.exec(text.slice(0, lineEnd));
    if (!line) return refuse(400, "Bad Request");
    const headers: Record<string, string> = {};
    for (let at = lineEnd + 2; at <= text.length; at = lineEnd + 2) {
      lineEnd = text.indexOf("\r\n", at);
      if (lineEnd < 0) lineEnd = text.length;
      const colon = text.indexOf(":", at);
      if (colon <= at || colon >= lineEnd) return refuse(400, "Bad Request");
      const name = text.slice(at, colon).trim().toLowerCase();
      const value = text.slice(colon + 1, lineEnd).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    if (headers["transfer-encoding"] !== undefined) return refuse(411, "Length Required");
    const bodyLength = headers["content-length"] === undefined ? 0 : Number(headers["content-length"]);
    if (!Number.isSafeInteger(bodyLength) || bodyLength < 0) return refuse(400, "Bad Request");
    const connection = headers.connection?.toLowerCase() ?? "";
    const closeAfter = line[3] === "0" ? !connection.includes("keep-alive") : connection.includes("close");
    return { method: line[1] as string, target: line[2] as string, headers, bodyLength, closeAfter };
  };

  /** Every complete request in `received`, handled; their responses, concatenated. */
  const drain = (): string => {
    let out = "";
    while (!closing && received !== undefined && received.length > 0) {
      if (head === undefined) {
        const end = received.indexOf("\r\n\r\n");
        if (end < 0) {
          if (received.length > maxHeadBytes) out += refuse(431, "Request Header Fields Too Large");
          break;
        }
        if (end > maxHeadBytes) {
          out += refuse(431, "Request Header Fields Too Large");
          break;
        }
        const parsed = parseHead(received.toString("latin1", 0, end));
        received = received.subarray(end + 4);
        if (typeof parsed === "string") {
          out += parsed;
          break;
        }
        if (parsed.bodyLength > webSocketLimits.maxMessageBytes) {
          // Not read at all: answered now, and the connection goes (its body would follow).
          closing = true;
          out += serialize(api.refuseUnread(parsed.method, parsed.target, parsed.headers), true);
          break;
        }
        head = parsed;
        if (head.headers.expect?.toLowerCase() === "100-continue" && received.length < head.bodyLength) {
          out += "HTTP/1.1 100 Continue\r\n\r\n";
        }
      }
      if (received.length < head.bodyLength) break;
      const body = received.subarray(0, head.bodyLength);
      received = received.subarray(head.bodyLength);
      const request = head;
      head = undefined;
      out += serialize(
        api.handle({ method: request.method, target: request.target, headers: request.headers, body }),
        request.closeAfter,
      );
      if (request.closeAfter) closing = true;
    }
    if (received !== undefined && received.length === 0) received = undefined;
    return out;
  };

  socket.on("data", (data: Buffer) => {
    if (closing) return;
    received = received === undefined ? data : Buffer.concat([received, data]);
    const out = drain();
    if (out === "") return;
    if (closing) socket.end(out);
    else if (!socket.write(out)) {
      // A client that does not read its responses stops being read.
      socket.pause();
      socket.once("drain", () => socket.resume());
    }
  });
}
