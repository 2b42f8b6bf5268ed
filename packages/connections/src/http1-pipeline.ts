/**
 * HTTP/1.1 to one origin over a pool of keep-alive connections. By default (`depth: 1`) each
 * connection carries one request at a time, as every AWS SDK does. With `depth` above 1 a
 * connection pipelines: a request goes out without waiting for the responses before it, and
 * every request queued in one turn of the event loop leaves in a single write per connection;
 * responses come back in order (RFC 9112 §9.3.2), so each connection is a FIFO of requests
 * awaiting their response. Pipelining is an opt-in (transport-settings.ts says why).
 *
 * Why by hand: the fan-out sends thousands of tiny requests to one host, and on the reference
 * machine each costs more in syscalls and in node:http's machinery than in anything else. The
 * CPU per request of each client is measured in docs/benchmarks.md, "Figures behind choices in
 * the code".
 *
 * When a connection fails or the server closes it, the request at its head (the one the server
 * may have been answering) fails with the network error, for the caller's retry policy; the
 * requests written behind it and those not written yet are sent again on another connection. A
 * new connection carries one request at a time until it has answered one (RFC 9112 §9.3.2: never
 * pipeline right after (re-)establishing a connection), so a backlog handed back after a failure
 * is re-sent one request at a time.
 *
 * An idle connection is closed after `idleTimeoutMs` by a socket timer, and also judged by the
 * wall clock when it is next wanted: timers do not run while a Lambda environment is frozen, so a
 * connection that idled through a freeze is not trusted. A request on a connection that has been
 * idle goes out one event-loop turn later, after the I/O that may have arrived meanwhile (a close
 * by the peer) has been read.
 */
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { transportDefaults } from "./transport-settings";

export interface PipelineOptions {
  /** `http://host:port` or `https://host`. */
  origin: string;
  /** Connections to the origin at most. Default `transportDefaults.connections`. */
  connections?: number;
  /** Requests in flight on one connection at most; 1 (the default) is no pipelining. */
  depth?: number;
  /** An idle connection is closed after this long. Default `transportDefaults.idleTimeoutMs`. */
  idleTimeoutMs?: number;
  /** Response heads larger than this are refused. Default 64 KiB. */
  maxHeadBytes?: number;
  /** Certificate authorities to trust instead of Node's bundle (tests with a self-signed server). */
  ca?: string | readonly string[];
}

/** What a pipeline did, for tests and the benchmark. */
export interface PipelineStats {
  /** Connections opened. */
  connectionsOpened: number;
  /** Requests written to a connection (a request sent again counts again). */
  requestsWritten: number;
  /** Requests handed back unanswered by a failed or closing connection, to be sent again. */
  requestsResent: number;
}

export interface PipelineResponse {
  status: number;
  /** Lower-case names; a repeated header keeps its last value. */
  headers: Record<string, string>;
  body: Buffer;
}

/** A failure below HTTP (connect, reset, timeout, malformed response), named as Node names them. */
export class PipelineError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code === "ETIMEDOUT" ? "TimeoutError" : "NetworkingError";
  }
}

interface Exchange {
  readonly head: Buffer;
  readonly body: Uint8Array | undefined;
  readonly timeoutMs: number;
  readonly resolve: (response: PipelineResponse) => void;
  readonly reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
}

type Framing = { kind: "length"; remaining: number } | { kind: "chunked" } | { kind: "close" };

interface ResponseHead {
  status: number;
  headers: Record<string, string>;
  framing: Framing;
  chunks: Buffer[];
}

const noBodyStatus = (status: number) => status === 204 || status === 304 || (status >= 100 && status < 200);

/** A connection idle longer than this may have been closed by its peer unseen: its next write waits one turn. */
const staleAfterMs = 1_000;

/**
 * One keep-alive connection: the requests written to it, in order, awaiting their response
 * (`inFlight`), and those assigned to it but not written yet (`outbox`).
 */
class Link {
  readonly inFlight: Exchange[] = [];
  private outbox: Exchange[] = [];
  private flushQueued = false;
  private received: Buffer | undefined;
  private response: ResponseHead | undefined;
  private chunkRemaining = -1;
  private closing = false;
  /** A response has come back on this connection: from now on it may pipeline. */
  private answered = false;
  /** Wall-clock time of the last request sent or response received. */
  private lastActiveAt = Date.now();
  closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly pool: Http1Pipeline,
    private readonly depth: number,
    private readonly idleTimeoutMs: number,
    private readonly maxHeadBytes: number,
  ) {
    socket.setNoDelay(true);
    socket.on("data", (data: Buffer) => this.onData(data));
    socket.on("end", () => this.onEnd());
    socket.on("error", (error: NodeJS.ErrnoException) =>
      this.fail(new PipelineError(error.code ?? "ECONNRESET", error.message)),
    );
    socket.on("close", () => this.fail(new PipelineError("ECONNRESET", "connection closed before the response")));
    socket.on("timeout", () => {
      if (this.load === 0) socket.destroy();
    });
    socket.setTimeout(idleTimeoutMs);
    this.idle();
  }

  get load(): number {
    return this.inFlight.length + this.outbox.length;
  }

  /** Requests this connection may carry at once now: one until it has answered, then `depth`. */
  get capacity(): number {
    return this.answered ? this.depth : 1;
  }

  /** Open, not closing, and (when idle) not idle for longer than the idle timeout by the wall clock. */
  get usable(): boolean {
    if (this.closed || this.closing) return false;
    if (this.load === 0 && Date.now() - this.lastActiveAt >= this.idleTimeoutMs) {
      // Idled past its timeout without the timer firing (a frozen or blocked process): not reused.
      this.closing = true;
      this.socket.destroy();
      return false;
    }
    return true;
  }

  send(exchange: Exchange): void {
    const now = Date.now();
    const wasIdleFor = this.load === 0 ? now - this.lastActiveAt : 0;
    if (this.load === 0) this.socket.ref();
    this.lastActiveAt = now;
    exchange.timer = setTimeout(() => this.timeout(exchange), exchange.timeoutMs).unref();
    this.outbox.push(exchange);
    if (!this.flushQueued) {
      this.flushQueued = true;
      // After the promise chains of this turn have run, so every request they queue shares the
      // write; after a long idle, one turn later, once a close the peer sent meanwhile is read.
      if (wasIdleFor > staleAfterMs) setImmediate(() => this.flush());
      else process.nextTick(() => this.flush());
    }
  }

  destroy(): void {
    this.socket.destroy();
  }

  private flush(): void {
    this.flushQueued = false;
    if (this.closed || this.closing) return;
    const outbox = this.outbox;
    this.outbox = [];
    this.socket.cork();
    for (const exchange of outbox) {
      this.inFlight.push(exchange);
      this.pool.written();
      this.socket.write(exchange.head);
      if (exchange.body !== undefined && exchange.body.byteLength > 0) this.socket.write(exchange.body);
    }
    this.socket.uncork();
  }

  /**
   * Idle: the connection no longer keeps the process alive. Its socket's inactivity timeout stays
   * armed throughout (set once: re-arming it per request costs a timer update each time) and
   * closes it only when it fires on an idle connection; a busy one is bounded by its requests' timers.
   */
  private idle(): void {
    this.socket.unref();
  }

  private timeout(exchange: Exchange): void {
    // Responses arrive in order, so the connection is stuck: the request at its head (as old as
    // this one or older) fails, the others are sent again elsewhere.
    this.fail(new PipelineError("ETIMEDOUT", `no response within ${exchange.timeoutMs} ms`));
    this.socket.destroy();
  }

  private onData(data: Buffer): void {
    this.received =
      this.received === undefined || this.received.length === 0 ? data : Buffer.concat([this.received, data]);
    try {
      while (this.parseOne()) {
        // Each pass completes one response.
      }
    } catch (error) {
      this.fail(error as PipelineError);
      this.socket.destroy();
    }
  }

  private onEnd(): void {
    // A body framed by the connection's end is complete now.
    if (this.response?.framing.kind === "close") this.complete(this.response);
    this.socket.end();
  }

  /** Parse one response from `received`; false when more bytes are needed. */
  private parseOne(): boolean {
    const buffer = this.received;
    if (buffer === undefined || buffer.length === 0) return false;
    if (this.response === undefined) {
      const end = buffer.indexOf("\r\n\r\n");
      if (end < 0) {
        if (buffer.length > this.maxHeadBytes)
          throw new PipelineError("HPE_HEADER_OVERFLOW", "response head too large");
        return false;
      }
      if (this.inFlight.length === 0) throw new PipelineError("HPE_INVALID_CONSTANT", "response without a request");
      this.response = parseHead(buffer.toString("latin1", 0, end));
      this.received = buffer.subarray(end + 4);
      if (this.response.status >= 100 && this.response.status < 200) {
        this.response = undefined; // an interim response (100 Continue): the real one follows
        return true;
      }
      if (this.response.framing.kind === "length" && this.response.framing.remaining === 0) {
        this.complete(this.response);
        return true;
      }
      return this.received.length > 0;
    }
    const response = this.response;
    const framing = response.framing;
    if (framing.kind === "close") {
      response.chunks.push(buffer);
      this.received = undefined;
      return false;
    }
    if (framing.kind === "length") {
      const take = Math.min(framing.remaining, buffer.length);
      response.chunks.push(buffer.subarray(0, take));
      framing.remaining -= take;
      this.received = buffer.subarray(take);
      if (framing.remaining > 0) return false;
      this.complete(response);
      return true;
    }
    return this.parseChunk(response, buffer);
  }

  /** One step of a chunked body: a size line, a chunk with its CRLF, or the trailer section. */
  private parseChunk(response: ResponseHead, buffer: Buffer): boolean {
    if (this.chunkRemaining < 0) {
      const lineEnd = buffer.indexOf("\r\n");
      if (lineEnd < 0) return false;
      const size = Number.parseInt(buffer.toString("latin1", 0, lineEnd).split(";")[0] as string, 16);
      if (!Number.isFinite(size) || size < 0) throw new PipelineError("HPE_INVALID_CHUNK_SIZE", "bad chunk size");
      this.received = buffer.subarray(lineEnd + 2);
      this.chunkRemaining = size;
      return true;
    }
    if (this.chunkRemaining === 0) {
      // Trailers (usually none) end with an empty line.
      const end = buffer.indexOf("\r\n");
      if (end < 0) return false;
      this.received = buffer.subarray(end + 2);
      if (end === 0) {
        this.chunkRemaining = -1;
        this.complete(response);
      }
      return true;
    }
    if (buffer.length < this.chunkRemaining + 2) return false;
    response.chunks.push(buffer.subarray(0, this.chunkRemaining));
    this.received = buffer.subarray(this.chunkRemaining + 2);
    this.chunkRemaining = -1;
    return true;
  }

  private complete(response: ResponseHead): void {
    this.response = undefined;
    this.answered = true;
    this.lastActiveAt = Date.now();
    const exchange = this.inFlight.shift() as Exchange;
    clearTimeout(exchange.timer);
    exchange.resolve({ status: response.status, headers: response.headers, body: Buffer.concat(response.chunks) });
    if (response.headers.connection?.toLowerCase() === "close" || response.framing.kind === "close") {
      // The server ends the connection here: what was written behind this request goes elsewhere.
      this.closing = true;
      this.handBack();
      this.socket.end();
    } else if (this.load === 0) {
      this.idle();
    }
    this.pool.drain();
  }

  private fail(error: Error): void {
    if (this.closed) return;
    this.closed = true;
    const head = this.inFlight.shift();
    if (head !== undefined) {
      clearTimeout(head.timer);
      head.reject(error);
    }
    this.handBack();
    this.pool.forget(this);
  }

  /** Give every request without a response back to the pool, in order, to be sent again. */
  private handBack(): void {
    const unanswered = [...this.inFlight.splice(0), ...this.outbox.splice(0)];
    for (const exchange of unanswered) clearTimeout(exchange.timer);
    this.pool.requeue(unanswered);
  }
}

function parseHead(text: string): ResponseHead {
  const lines = text.split("\r\n");
  const statusLine = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "");
  if (!statusLine)
    throw new PipelineError(
      "HPE_INVALID_CONSTANT",
      `not an HTTP/1.1 response: ${JSON.stringify(lines[0]?.slice(0, 40))}`,
    );
  const status = Number(statusLine[1]);
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(":");
    if (colon <= 0) throw new PipelineError("HPE_INVALID_HEADER_TOKEN", "malformed response header");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let framing: Framing;
  if (noBodyStatus(status)) framing = { kind: "length", remaining: 0 };
  else if (headers["transfer-encoding"]?.toLowerCase().includes("chunked")) framing = { kind: "chunked" };
  else if (headers["content-length"] !== undefined) {
    const length = Number(headers["content-length"]);
    if (!Number.isSafeInteger(length) || length < 0)
      throw new PipelineError("HPE_INVALID_CONTENT_LENGTH", "bad content-length");
    framing = { kind: "length", remaining: length };
  } else framing = { kind: "close" };
  return { status, headers, framing, chunks: [] };
}

export class Http1Pipeline {
  private readonly url: URL;
  private readonly hostHeader: string;
  private readonly maxConnections: number;
  private readonly depth: number;
  private readonly idleTimeoutMs: number;
  private readonly maxHeadBytes: number;
  private readonly ca: string | readonly string[] | undefined;
  private readonly links: Link[] = [];
  private waiting: Exchange[] = [];
  private destroyed = false;
  private readonly counts: PipelineStats = { connectionsOpened: 0, requestsWritten: 0, requestsResent: 0 };

  constructor(options: PipelineOptions) {
    this.url = new URL(options.origin);
    if (this.url.protocol !== "http:" && this.url.protocol !== "https:")
      throw new TypeError(`not an http(s) origin: ${options.origin}`);
    this.hostHeader = this.url.host;
    this.maxConnections = Math.max(1, options.connections ?? transportDefaults.connections);
    this.depth = Math.max(1, options.depth ?? transportDefaults.pipelining);
    this.idleTimeoutMs = options.idleTimeoutMs ?? transportDefaults.idleTimeoutMs;
    this.maxHeadBytes = options.maxHeadBytes ?? 64 * 1024;
    this.ca = options.ca;
  }

  /** `headers` are sent as given (names as spelled); `host` and `content-length` are added when missing. */
  request(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: Uint8Array | undefined,
    timeoutMs: number,
  ): Promise<PipelineResponse> {
    if (this.destroyed) return Promise.reject(new PipelineError("ERR_DESTROYED", "the pipeline was destroyed"));
    let head = `${method} ${path} HTTP/1.1\r\n`;
    let hasHost = false;
    let hasLength = false;
    for (const name in headers) {
      const lower = name.toLowerCase();
      if (lower === "host") hasHost = true;
      else if (lower === "content-length") hasLength = true;
      head += `${name}: ${headers[name]}\r\n`;
    }
    if (!hasHost) head += `host: ${this.hostHeader}\r\n`;
    if (!hasLength && body !== undefined) head += `content-length: ${body.byteLength}\r\n`;
    head += "\r\n";
    return new Promise<PipelineResponse>((resolve, reject) => {
      this.waiting.push({ head: Buffer.from(head, "latin1"), body, timeoutMs, resolve, reject });
      this.drain();
    });
  }

  /** What the pipeline has done so far. */
  stats(): PipelineStats {
    return { ...this.counts };
  }

  destroy(): void {
    this.destroyed = true;
    for (const link of this.links.splice(0)) link.destroy();
    for (const exchange of this.waiting.splice(0))
      exchange.reject(new PipelineError("ERR_DESTROYED", "the pipeline was destroyed"));
  }

  /** Send what waits on the least loaded connection with room, opening connections up to the limit. */
  drain(): void {
    while (this.waiting.length > 0 && !this.destroyed) {
      let best: Link | undefined;
      // Judging a link stale closes it, but it leaves the list only on its socket's close event,
      // so the list does not change under this loop. An idle link is as good as any: the first wins.
      for (const link of this.links) {
        if (link.load >= link.capacity || (best !== undefined && link.load >= best.load) || !link.usable) continue;
        best = link;
        if (link.load === 0) break;
      }
      // A new connection before a second request on a busy one: spreads the first burst.
      if ((best === undefined || best.load > 0) && this.links.length < this.maxConnections) best = this.open();
      if (best === undefined) return;
      best.send(this.waiting.shift() as Exchange);
    }
  }

  /** @internal */
  written(): void {
    this.counts.requestsWritten += 1;
  }

  /** @internal */
  requeue(exchanges: Exchange[]): void {
    if (exchanges.length === 0) return;
    if (this.destroyed) {
      for (const exchange of exchanges)
        exchange.reject(new PipelineError("ERR_DESTROYED", "the pipeline was destroyed"));
      return;
    }
    this.counts.requestsResent += exchanges.length;
    this.waiting = [...exchanges, ...this.waiting];
    queueMicrotask(() => this.drain());
  }

  /** @internal */
  forget(link: Link): void {
    const index = this.links.indexOf(link);
    if (index >= 0) this.links.splice(index, 1);
    queueMicrotask(() => this.drain());
  }

  private open(): Link {
    const port = Number(this.url.port || (this.url.protocol === "https:" ? 443 : 80));
    const host = this.url.hostname.replace(/^\[|\]$/g, "");
    const socket =
      this.url.protocol === "https:"
        ? tlsConnect({
            host,
            port,
            servername: host,
            ALPNProtocols: ["http/1.1"],
            ...(this.ca === undefined ? {} : { ca: this.ca as string | string[] }),
          })
        : netConnect({ host, port });
    const link = new Link(socket, this, this.depth, this.idleTimeoutMs, this.maxHeadBytes);
    this.links.push(link);
    this.counts.connectionsOpened += 1;
    return link;
  }
}
