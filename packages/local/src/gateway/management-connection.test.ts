/**
 * The pipelined `@connections` server's HTTP framing, on loopback with raw sockets: what the
 * management API answers is covered end to end by test/conformance; here, how requests are cut
 * out of the byte stream and how the answers go back.
 */
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { ManagementApi, ManagementRequest } from "./management-api";
import { serveManagementConnection } from "./management-connection";

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** An API that answers every request with its method, target and body, and records it. */
function echoApi() {
  const handled: ManagementRequest[] = [];
  const api: ManagementApi = {
    handle(request) {
      handled.push(request);
      return {
        status: 200,
        headers: { "x-amzn-RequestId": "r" },
        body: `${request.method} ${request.target} ${request.body.toString()}`,
      };
    },
    refuseUnread: () => ({
      status: 413,
      headers: { "x-amzn-ErrorType": "PayloadTooLargeException" },
      body: '{"message":"Message too long"}',
    }),
    handleNodeRequest: async () => undefined,
  };
  return { api, handled };
}

async function serve(api: ManagementApi) {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    serveManagementConnection(socket, api, { keepAliveMs: 5000 });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, sockets };
}

/** Writes `bytes` at once and collects what comes back: each chunk, until the server closes or `until` holds. */
async function exchange(port: number, bytes: string, until: (text: string) => boolean = () => false) {
  const socket = connect(port, "127.0.0.1");
  const chunks: string[] = [];
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  socket.write(bytes);
  await new Promise<void>((resolve) => {
    socket.on("data", (data) => {
      chunks.push(data.toString());
      if (until(chunks.join(""))) resolve();
    });
    void closed.then(() => resolve());
  });
  socket.destroy();
  return { chunks, text: chunks.join("") };
}

const post = (path: string, body: string, extra = "") =>
  `POST ${path} HTTP/1.1\r\nhost: x\r\nauthorization: sig\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;
const responses = (text: string) => text.match(/HTTP\/1\.1 \d{3}/g) ?? [];

describe("serveManagementConnection", () => {
  it("answers pipelined requests in order, all of one read in a single write", async () => {
    const { api, handled } = echoApi();
    const { port } = await serve(api);
    const burst = Array.from({ length: 20 }, (_, i) => post(`/prod/@connections/c${i}`, `{"i":${i}}`)).join("");

    const { chunks, text } = await exchange(port, burst, (t) => responses(t).length === 20);

    expect(handled.map((r) => r.target)).toEqual(Array.from({ length: 20 }, (_, i) => `/prod/@connections/c${i}`));
    expect(text).toContain(
      `content-length: ${'POST /prod/@connections/c0 {"i":0}'.length}\r\n\r\nPOST /prod/@connections/c0 {"i":0}`,
    );
    expect(text.indexOf("c19")).toBeGreaterThan(text.indexOf("c18"));
    expect(chunks.length).toBeLessThanOrEqual(2);
    expect(handled[0]?.headers).toMatchObject({ host: "x", authorization: "sig", "content-length": "7" });
  });

  it("waits for a body split across reads, and keeps the connection for the next request", async () => {
    const { api, handled } = echoApi();
    const { port } = await serve(api);
    const socket = connect(port, "127.0.0.1");
    let text = "";
    socket.on("data", (data) => (text += data.toString()));
    const whole = post("/prod/@connections/a", '{"split":true}') + post("/prod/@connections/b", "second");

    for (let at = 0; at < whole.length; at += 9) {
      socket.write(whole.slice(at, at + 9));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await expect.poll(() => responses(text).length).toBe(2);

    expect(handled.map((r) => r.body.toString())).toEqual(['{"split":true}', "second"]);
    socket.destroy();
  });

  it("refuses without reading: a body over 128 KB (413), a chunked body (411), a malformed request (400), a huge head (431); then closes", async () => {
    const { api, handled } = echoApi();
    const { port } = await serve(api);
    const cases: [string, number][] = [
      [`POST /prod/@connections/a HTTP/1.1\r\ncontent-length: ${128 * 1024 + 1}\r\n\r\n`, 413],
      ["POST /prod/@connections/a HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 411],
      ["NOT-HTTP\r\n\r\n", 400],
      [`GET /prod/@connections/a HTTP/1.1\r\nx-big: ${"b".repeat(17 * 1024)}\r\n\r\n`, 431],
    ];

    for (const [request, status] of cases) {
      const { text } = await exchange(port, request);
      expect(text, request.slice(0, 40)).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(text).toContain("connection: close");
    }
    expect(handled).toHaveLength(0);
  });

  it("closes after a request that asks for it, and after an HTTP/1.0 request without keep-alive", async () => {
    const { api } = echoApi();
    const { port } = await serve(api);

    const asked = await exchange(
      port,
      post("/prod/@connections/a", "x", "connection: close\r\n") + post("/prod/@connections/b", "never"),
    );
    const old = await exchange(port, "GET /prod/@connections/a HTTP/1.0\r\n\r\n");

    expect(responses(asked.text)).toHaveLength(1);
    expect(asked.text).toContain("connection: close");
    expect(old.text).toMatch(/^HTTP\/1\.1 200 /);
    expect(old.text).toContain("connection: close");
  });
});
