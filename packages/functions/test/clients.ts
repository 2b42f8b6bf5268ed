/** A real `ws` client for the end-to-end tests, collecting frames (REST goes through the web app's `createOrdersApi`). */

import type { OrderEvent, ServerFrame } from "@live-orders/core/protocol";
import type { Outputs } from "@live-orders/local/stack/local-stack";
import { connectUrl } from "@live-orders/local/testing/tickets";
import WebSocket from "ws";

export class TestSocket {
  readonly frames: ServerFrame[] = [];
  private waiters: { predicate: (frame: ServerFrame) => boolean; resolve: (frame: ServerFrame) => void }[] = [];
  closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly socket: WebSocket) {
    socket.on("message", (data) => {
      const frame = JSON.parse(String(data)) as ServerFrame;
      this.frames.push(frame);
      this.waiters = this.waiters.filter((waiter) => {
        if (!waiter.predicate(frame)) return true;
        waiter.resolve(frame);
        return false;
      });
    });
    this.closed = new Promise((resolve) =>
      socket.on("close", (code, reason) => resolve({ code, reason: String(reason) })),
    );
  }

  /** Connect as the user of `accessToken`, with a fresh ticket, as the web app does. */
  static async open(stack: Pick<Outputs, "api" | "ws">, accessToken: string): Promise<TestSocket> {
    return TestSocket.openUrl(await connectUrl(stack, accessToken));
  }

  /** Open a connection to `url` as it is; resolves when upgraded, rejects with the HTTP status when refused. */
  static openUrl(url: string, options: { origin?: string } = {}): Promise<TestSocket> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, options.origin === undefined ? {} : { origin: options.origin });
      socket.once("open", () => resolve(new TestSocket(socket)));
      socket.once("unexpected-response", (_request, response) => {
        reject(Object.assign(new Error(`upgrade refused: ${response.statusCode}`), { status: response.statusCode }));
        socket.terminate();
      });
      socket.once("error", (error) => reject(error));
    });
  }

  /** The upgrade's status: 101 when accepted (the connection is closed again), the refusal's otherwise. */
  static async upgradeStatus(url: string, origin?: string): Promise<number> {
    try {
      const socket = await TestSocket.openUrl(url, { origin });
      await socket.close();
      return 101;
    } catch (error) {
      return (error as { status?: number }).status ?? -1;
    }
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** The first frame (already received or future) matching `predicate`. Generous default: the first call of a handler bundles it, slow on a loaded machine. */
  next<T extends ServerFrame = ServerFrame>(
    predicate: (frame: ServerFrame) => boolean,
    timeoutMs = 30_000,
  ): Promise<T> {
    const seen = this.frames.find(predicate);
    if (seen !== undefined) return Promise.resolve(seen as T);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(
          new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames).slice(0, 2000)}`),
        );
      }, timeoutMs);
      const done = (frame: ServerFrame) => {
        clearTimeout(timer);
        resolve(frame as T);
      };
      this.waiters.push({ predicate, resolve: done });
    });
  }

  /** Send a frame with an id and wait for the reply carrying that id. */
  async request<T extends ServerFrame = ServerFrame>(frame: Record<string, unknown>, timeoutMs?: number): Promise<T> {
    const id = (frame.id as string | undefined) ?? Math.random().toString(36).slice(2);
    this.send({ ...frame, id });
    return this.next<T>((f) => "id" in f && f.id === id, timeoutMs);
  }

  /** Events received on a topic, in arrival order. */
  events(topic: string): { seq: number; event: OrderEvent }[] {
    return this.frames.flatMap((f) =>
      f.type === "event" && f.topic === topic ? [{ seq: f.seq, event: f.event }] : [],
    );
  }

  async waitForEvent(topic: string, seq: number, timeoutMs?: number) {
    return this.next<Extract<ServerFrame, { type: "event" }>>(
      (f) => f.type === "event" && f.topic === topic && f.seq === seq,
      timeoutMs,
    );
  }

  close(): Promise<{ code: number; reason: string }> {
    this.socket.close(1000);
    return this.closed;
  }

  /** Drop the TCP connection without a close frame (a phone losing its network). */
  kill(): void {
    // terminate() destroys the TCP socket without sending a close frame.
    this.socket.terminate();
  }
}
