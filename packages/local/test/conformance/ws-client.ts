import WebSocket from "ws";

/** The user agent every test client sends, so events' `identity.userAgent` can be checked. */
export const userAgent = "live-orders-conformance/1.0";

export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
}

/**
 * A `ws` client that keeps every frame it receives, so a test can wait for the one it expects
 * (`next`) or assert that none arrives (`nothingWithin`).
 */
export class TestClient {
  readonly received: unknown[] = [];
  readonly closed: Promise<CloseInfo>;
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: WebSocket) {
    socket.on("message", (data, isBinary) => {
      const text = isBinary ? data.toString() : data.toString();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Non-JSON frames are kept as text.
      }
      this.received.push(parsed);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) =>
      socket.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  /**
   * Opens a connection; rejects with the HTTP status when the handshake is refused. `headers`
   * adds request headers (a browser's `Origin`).
   */
  static connect(
    url: string,
    query: Record<string, string> = {},
    protocols: string[] = [],
    headers: Record<string, string> = {},
  ): Promise<TestClient> {
    const target = new URL(url);
    for (const [name, value] of Object.entries(query)) target.searchParams.set(name, value);
    const socket = new WebSocket(target, protocols, { headers: { "User-Agent": userAgent, ...headers } });
    return new Promise((resolve, reject) => {
      const client = new TestClient(socket);
      socket.once("open", () => resolve(client));
      socket.once("unexpected-response", (_request, response) => {
        reject(new HandshakeRefused(response.statusCode ?? 0));
        socket.terminate();
      });
      socket.once("error", reject);
    });
  }

  /** The handshake status of a connection attempt expected to be refused. */
  static async refusal(
    url: string,
    query: Record<string, string> = {},
    headers: Record<string, string> = {},
  ): Promise<number> {
    try {
      const client = await TestClient.connect(url, query, [], headers);
      client.socket.terminate();
    } catch (error) {
      if (error instanceof HandshakeRefused) return error.statusCode;
      throw error;
    }
    throw new Error("the handshake was accepted");
  }

  send(data: unknown): void {
    this.socket.send(typeof data === "string" ? data : JSON.stringify(data));
  }

  /** The first received frame (old or new) matching `predicate`; it is consumed. */
  async next<T = Record<string, any>>(predicate: (frame: any) => boolean = () => true, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.received.findIndex(predicate);
      if (index >= 0) return this.received.splice(index, 1)[0] as T;
      const remaining = deadline - Date.now();
      if (remaining <= 0)
        throw new Error(
          `no matching frame within ${timeoutMs} ms; received ${JSON.stringify(this.received).slice(0, 500)}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Frames of a type; shorthand for the fixtures' `{type: ...}` reports. */
  nextOfType<T = Record<string, any>>(type: string, timeoutMs?: number): Promise<T> {
    return this.next<T>((frame) => frame?.type === type, timeoutMs);
  }

  /** Waits `ms` and returns the frames matching `predicate` that arrived meanwhile (expected: none). */
  async collect(predicate: (frame: any) => boolean, ms: number): Promise<unknown[]> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return this.received.filter(predicate);
  }

  /** The connection's id, as the `whoami` route reports it. */
  async whoami(): Promise<string> {
    this.send({ action: "whoami" });
    return (await this.nextOfType<{ connectionId: string }>("whoami")).connectionId;
  }

  close(code?: number, reason?: string): Promise<CloseInfo> {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.close(code, reason);
    return this.closed;
  }
}

export class HandshakeRefused extends Error {
  override name = "HandshakeRefused";
  constructor(readonly statusCode: number) {
    super(`handshake refused with HTTP ${statusCode}`);
  }
}
