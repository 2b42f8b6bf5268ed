/**
 * Test factories for the web package: a scriptable fake WebSocket, protocol event factories and
 * a fake REST API answering from an in-memory event log.
 */
import { menu } from "@live-orders/core/menu";
import type { ChatMessageEvent, Order, OrderEvent, OrderStatusEvent, ServerFrame } from "@live-orders/core/protocol";
import { expect, vi } from "vitest";
import type { WebSocketLike } from "../src/realtime/transport";

/** A WebSocket whose server side the test drives: `accept()`, `receive()`, `drop()`. */
export class FakeWebSocket implements WebSocketLike {
  static instances: FakeWebSocket[] = [];
  static reset(): void {
    FakeWebSocket.instances = [];
  }
  static get last(): FakeWebSocket {
    const socket = FakeWebSocket.instances.at(-1);
    if (!socket) throw new Error("no FakeWebSocket was created");
    return socket;
  }

  readyState = 0;
  sent: string[] = [];
  closedWith: { code?: number; reason?: string } | undefined;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(readonly url: string) {
    FakeWebSocket.instances.push(this);
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error("send on a socket that is not open");
    this.sent.push(data);
  }
  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
    this.readyState = 3;
  }

  /** Frames the client sent, parsed. */
  get frames(): Array<Record<string, unknown>> {
    return this.sent.map((data) => JSON.parse(data) as Record<string, unknown>);
  }
  get ticket(): string | null {
    return new URL(this.url).searchParams.get("ticket");
  }

  accept(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(frame: ServerFrame | string): void {
    this.onmessage?.({ data: typeof frame === "string" ? frame : JSON.stringify(frame) });
  }
  /** The server or the network ends the connection. */
  drop(code = 1006, reason = ""): void {
    this.readyState = 3;
    this.onerror?.({});
    this.onclose?.({ code, reason });
  }
}

export function order(overrides: Partial<Order> = {}): Order {
  return {
    id: "o1",
    customerId: "alice",
    status: "placed",
    items: [{ ...menu.lemonade, quantity: 1 }],
    contact: { name: "Alice", phone: "+1 555 0100" },
    fulfilment: { type: "pickup" },
    totalCents: menu.lemonade.unitPriceCents,
    version: 1,
    unread: 0,
    seq: 1,
    createdAt: "2026-11-26T10:00:00.000Z",
    updatedAt: "2026-11-26T10:00:00.000Z",
    ...overrides,
  };
}

export function statusEvent(seq: number, overrides: Partial<OrderStatusEvent> = {}): OrderStatusEvent {
  return {
    kind: "order.status",
    seq,
    orderId: "o1",
    customerId: "alice",
    at: new Date(Date.UTC(2026, 10, 26, 10, 0, seq)).toISOString(),
    from: "placed",
    status: "confirmed",
    version: seq,
    by: { userId: "staff", role: "staff" },
    ...overrides,
  };
}

export function chatEvent(seq: number, overrides: Partial<ChatMessageEvent> = {}): ChatMessageEvent {
  return {
    kind: "chat.message",
    seq,
    orderId: "o1",
    customerId: "alice",
    at: new Date(Date.UTC(2026, 10, 26, 10, 0, seq)).toISOString(),
    messageId: `m${seq}`,
    clientMessageId: `c${seq}`,
    text: `message ${seq}`,
    from: { userId: "alice", role: "customer" },
    ...overrides,
  };
}

export function eventFrame(
  event: OrderEvent,
  topic: `order:${string}` | "orders" = `order:${event.orderId}`,
): ServerFrame {
  return { type: "event", topic, seq: event.seq, event };
}

/**
 * A REST API over an in-memory log (orders and their events), answering the two reads the
 * realtime client makes and issuing connect tickets (`ticket-1`, `ticket-2`…). Records every
 * request so tests can assert what was fetched.
 */
export function fakeRestApi(log: { orders: Order[]; events: OrderEvent[] }) {
  const requests: Array<{ method: string; path: string; authorization: string | null }> = [];
  /** Ticket requests, apart from the reads: every connect makes one. */
  const tickets: Array<{ authorization: string | null }> = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    const authorization = new Headers(init?.headers).get("authorization");
    if (url.pathname === "/realtime/tickets" && init?.method === "POST") {
      tickets.push({ authorization });
      return answeredAtOnce(201, {
        ticket: `ticket-${tickets.length}`,
        expiresAt: new Date(Date.now() + 30_000).toISOString(),
      });
    }
    requests.push({ method: init?.method ?? "GET", path: url.pathname + url.search, authorization });
    const eventsMatch = /^\/orders\/([^/]+)\/events$/.exec(url.pathname);
    if (eventsMatch) {
      const since = Number(url.searchParams.get("since") ?? 0);
      const events = log.events
        .filter((event) => event.orderId === decodeURIComponent(eventsMatch[1]!) && event.seq > since)
        .sort((a, b) => a.seq - b.seq);
      return Response.json({ events });
    }
    if (url.pathname === "/orders") return Response.json({ orders: log.orders });
    return Response.json({ code: "NOT_FOUND", message: "no route" }, { status: 404 });
  }) as typeof globalThis.fetch;
  return { fetch, requests, tickets };
}

/**
 * A response whose body is read in microtasks only. A real `Response` reads its body through
 * streams that wait on (faked) timers, so a ticket fetched before every connect would hold each
 * connect back until the test advanced time again.
 */
function answeredAtOnce(status: number, body: unknown): Response {
  const text = JSON.stringify(body);
  return { ok: status >= 200 && status < 300, status, text: async () => text } as Response;
}

/** Lets pending promise callbacks (fetch, token provider) run under fake timers. */
export async function flush(times = 10): Promise<void> {
  for (let i = 0; i < times; i++) await Promise.resolve();
}

/** Advances fake time, then lets the promise callbacks it set off run. */
export async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  await flush();
}

/**
 * Asserts an expected-delay table under fake timers: for each delay, after `fail()` (what makes
 * the code wait and try again) nothing more is `tried()` for delay − 1 ms, and one more try
 * happens at the delay.
 */
export async function expectRetryDelays(
  delays: number[],
  steps: { fail?: () => void; tried: () => number },
): Promise<void> {
  for (const delay of delays) {
    steps.fail?.();
    const before = steps.tried();
    await advance(delay - 1);
    expect(steps.tried(), `no try before ${delay} ms`).toBe(before);
    await advance(1);
    expect(steps.tried(), `a try at ${delay} ms`).toBe(before + 1);
  }
}
