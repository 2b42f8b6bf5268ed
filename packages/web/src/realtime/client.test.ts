import type { Order, OrderEvent } from "@live-orders/core/protocol";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { advance, chatEvent, eventFrame, FakeWebSocket, fakeRestApi, order, statusEvent } from "../../test/helpers";
import { RealtimeClient, type RealtimeClientOptions } from "./client";
import type { ServerError } from "./errors";

interface Setup {
  client: RealtimeClient;
  requests: ReturnType<typeof fakeRestApi>["requests"];
  tickets: ReturnType<typeof fakeRestApi>["tickets"];
  tokenCalls: Array<{ forceRefresh: boolean }>;
  log: { orders: Order[]; events: OrderEvent[] };
}

function setup(
  options: Partial<RealtimeClientOptions> = {},
  log = { orders: [] as Order[], events: [] as OrderEvent[] },
): Setup {
  const rest = fakeRestApi(log);
  const tokenCalls: Array<{ forceRefresh: boolean }> = [];
  let ids = 0;
  const client = new RealtimeClient({
    wsUrl: "ws://gateway.test/local",
    apiUrl: "http://api.test",
    getToken: async (request) => {
      tokenCalls.push(request);
      return `token-${tokenCalls.length}`;
    },
    WebSocket: FakeWebSocket,
    fetch: rest.fetch,
    transport: { random: () => 0, heartbeat: false },
    randomId: () => `cmid-${++ids}`,
    ...options,
  });
  return { client, requests: rest.requests, tickets: rest.tickets, tokenCalls, log };
}

async function connected(): Promise<FakeWebSocket> {
  await advance(1);
  const socket = FakeWebSocket.last;
  socket.accept();
  return socket;
}

function subscribeFrames(socket: FakeWebSocket) {
  return socket.frames.filter((frame) => frame.action === "subscribe");
}

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("order subscriptions", () => {
  it("subscribes with since once connected and delivers live events", async () => {
    const { client } = setup();
    const seen: number[] = [];
    client.subscribeOrder("o1", { since: 3, onEvent: (event) => seen.push(event.seq) });
    const socket = await connected();
    expect(subscribeFrames(socket)).toEqual([{ action: "subscribe", id: "r1", topic: "order:o1", since: 3 }]);
    socket.receive({ type: "subscribed", id: "r1", topic: "order:o1", seq: 3 });
    socket.receive(eventFrame(statusEvent(4)));
    socket.receive(eventFrame(chatEvent(5)));
    expect(seen).toEqual([4, 5]);
    client.close();
  });

  it("delivers each event once when the server repeats it", async () => {
    const { client } = setup();
    const seen: number[] = [];
    client.subscribeOrder("o1", { onEvent: (event) => seen.push(event.seq) });
    const socket = await connected();
    for (const seq of [1, 2, 2, 1, 3, 3]) socket.receive(eventFrame(chatEvent(seq)));
    expect(seen).toEqual([1, 2, 3]);
    client.close();
  });

  it("reorders events that arrive out of seq order", async () => {
    const { client, requests } = setup();
    const seen: number[] = [];
    client.subscribeOrder("o1", { onEvent: (event) => seen.push(event.seq) });
    const socket = await connected();
    for (const seq of [1, 3, 4, 2, 5]) socket.receive(eventFrame(chatEvent(seq)));
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    await advance(5_000);
    expect(requests).toEqual([]); // closed by itself: no REST call needed
    client.close();
  });

  it("fills a gap that does not close by itself from GET /orders/{id}/events?since=", async () => {
    const log = { orders: [], events: [chatEvent(1), chatEvent(2), chatEvent(3), chatEvent(4)] };
    const { client, requests } = setup({ gapFillDelayMs: 400 }, log);
    const seen: number[] = [];
    client.subscribeOrder("o1", { onEvent: (event) => seen.push(event.seq) });
    const socket = await connected();
    socket.receive(eventFrame(chatEvent(1)));
    socket.receive(eventFrame(chatEvent(4))); // 2 and 3 were lost
    expect(seen).toEqual([1]);
    await advance(399);
    expect(requests).toEqual([]);
    await advance(1);
    expect(requests).toEqual([
      { method: "GET", path: "/orders/o1/events?since=1", authorization: expect.stringMatching(/^Bearer token-/) },
    ]);
    expect(seen).toEqual([1, 2, 3, 4]);
    client.close();
  });

  it("fetches what the subscribed reply says exists when no event brings it", async () => {
    const log = { orders: [], events: [statusEvent(1), statusEvent(2), statusEvent(3)] };
    const { client, requests } = setup({}, log);
    const seen: number[] = [];
    client.subscribeOrder("o1", { since: 1, onEvent: (event) => seen.push(event.seq) });
    const socket = await connected();
    socket.receive({ type: "subscribed", id: "r1", topic: "order:o1", seq: 3 });
    await advance(400);
    expect(requests.map((request) => request.path)).toEqual(["/orders/o1/events?since=1"]);
    expect(seen).toEqual([2, 3]);
    client.close();
  });

  it("learns from a pong that it missed an order's last event, and fetches it", async () => {
    const log = { orders: [], events: [statusEvent(1), statusEvent(2), statusEvent(3)] };
    const { client, requests } = setup({}, log);
    const seen: number[] = [];
    client.subscribeOrder("o1", { since: 1, onEvent: (event) => seen.push(event.seq) });
    client.subscribeOrder("o2", { since: 5, onEvent: () => {} });
    const socket = await connected();
    socket.receive({ type: "subscribed", id: "r1", topic: "order:o1", seq: 1 });
    socket.receive({ type: "subscribed", id: "r2", topic: "order:o2", seq: 5 });
    socket.receive(eventFrame(statusEvent(2)));
    await advance(5_000);
    expect(requests).toEqual([]);

    // Event 3 was never pushed; the heartbeat's reply says the order is at 3 (o2 is current).
    socket.receive({ type: "pong", seqs: { "order:o1": 3, "order:o2": 5 } });
    await advance(400);

    expect(requests.map((request) => request.path)).toEqual(["/orders/o1/events?since=2"]);
    expect(seen).toEqual([2, 3]);
    client.close();
  });

  it("re-subscribes after a reconnect with since = the last contiguous seq", async () => {
    const { client } = setup();
    const seen: number[] = [];
    client.subscribeOrder("o1", { onEvent: (event) => seen.push(event.seq) });
    client.subscribeOrder("o2", { since: 7, onEvent: () => {} });
    const first = await connected();
    first.receive(eventFrame(chatEvent(1)));
    first.receive(eventFrame(chatEvent(2)));
    first.receive(eventFrame(chatEvent(4))); // pending, not contiguous
    first.drop();
    await advance(500);
    const second = FakeWebSocket.last;
    second.accept();
    expect(subscribeFrames(second).map(({ topic, since }) => ({ topic, since }))).toEqual([
      { topic: "order:o1", since: 2 },
      { topic: "order:o2", since: 7 },
    ]);
    second.receive(eventFrame(chatEvent(3)));
    second.receive(eventFrame(chatEvent(4)));
    expect(seen).toEqual([1, 2, 3, 4]);
    client.close();
  });

  it("connects with a fresh ticket every time, never a token, and forces a token refresh after repeated failures", async () => {
    const { client, tokenCalls, tickets } = setup();
    client.subscribeOrder("o1", { onEvent: () => {} });
    const first = await connected();
    first.drop();
    await advance(500); // attempt 1
    FakeWebSocket.last.drop();
    await advance(1_000); // attempt 2
    expect(FakeWebSocket.instances.map((socket) => socket.ticket)).toEqual(["ticket-1", "ticket-2", "ticket-3"]);
    for (const socket of FakeWebSocket.instances)
      expect([...new URL(socket.url).searchParams.keys()]).toEqual(["ticket"]);
    expect(tickets.map((request) => request.authorization)).toEqual([
      "Bearer token-1",
      "Bearer token-2",
      "Bearer token-3",
    ]);
    expect(tokenCalls.map((call) => call.forceRefresh)).toEqual([false, false, true]);
    client.close();
  });

  it("drops a subscription the server refuses and reports it", async () => {
    const { client } = setup();
    const errors: ServerError[] = [];
    client.subscribeOrder("someone-elses", { onEvent: () => {}, onError: (error) => errors.push(error) });
    const socket = await connected();
    socket.receive({ type: "error", id: "r1", code: "NOT_FOUND", message: "order not found" });
    expect(errors.map((error) => error.code)).toEqual(["NOT_FOUND"]);
    socket.drop();
    await advance(500);
    FakeWebSocket.last.accept();
    expect(subscribeFrames(FakeWebSocket.last)).toEqual([]);
    client.close();
  });

  it("unsubscribes and stops delivering", async () => {
    const { client } = setup();
    const seen: number[] = [];
    const subscription = client.subscribeOrder("o1", { onEvent: (event) => seen.push(event.seq) });
    const socket = await connected();
    socket.receive(eventFrame(chatEvent(1)));
    subscription.unsubscribe();
    socket.receive(eventFrame(chatEvent(2)));
    expect(seen).toEqual([1]);
    await advance(1_000); // the unsubscribe lingers, then goes out
    expect(socket.frames.at(-1)).toMatchObject({ action: "unsubscribe", topic: "order:o1" });
    client.close();
  });

  it("does not send an unsubscribe that a re-subscribe within the linger cancels", async () => {
    const { client } = setup();
    const socket = await connected();
    const first = client.subscribeOrder("o1", { onEvent: () => {} });
    first.unsubscribe(); // e.g. React StrictMode: mount, unmount, mount
    client.subscribeOrder("o1", { since: 0, onEvent: () => {} });
    await advance(5_000);
    expect(socket.frames.map((frame) => frame.action)).toEqual(["subscribe", "subscribe"]);
    client.close();
  });

  it("holds a re-subscribe until the unsubscribe in flight is confirmed (no overtaking)", async () => {
    const { client } = setup();
    const socket = await connected();
    client.subscribeOrder("o1", { onEvent: () => {} }).unsubscribe();
    await advance(1_000);
    const unsubscribe = socket.frames.at(-1)!;
    expect(unsubscribe).toMatchObject({ action: "unsubscribe", topic: "order:o1" });
    client.subscribeOrder("o1", { since: 4, onEvent: () => {} });
    expect(socket.frames.filter((frame) => frame.action === "subscribe")).toHaveLength(1);
    socket.receive({ type: "unsubscribed", id: String(unsubscribe.id), topic: "order:o1" });
    expect(socket.frames.at(-1)).toMatchObject({ action: "subscribe", topic: "order:o1", since: 4 });
    client.close();
  });
});

describe("sendMessage", () => {
  it("resolves with the seq of the ack", async () => {
    const { client } = setup();
    const socket = await connected();
    const sent = client.sendMessage("o1", "hello");
    expect(socket.frames).toEqual([
      { action: "sendMessage", id: "r1", orderId: "o1", text: "hello", clientMessageId: "cmid-1" },
    ]);
    socket.receive({ type: "ack", id: "r1", orderId: "o1", clientMessageId: "cmid-1", seq: 9 });
    await expect(sent).resolves.toEqual({ seq: 9, clientMessageId: "cmid-1" });
    client.close();
  });

  it("re-sends an unacknowledged message with the same clientMessageId after a reconnect", async () => {
    const { client } = setup();
    const first = await connected();
    const sent = client.sendMessage("o1", "are you there?");
    first.drop();
    await advance(500);
    const second = FakeWebSocket.last;
    second.accept();
    const resent = second.frames.filter((frame) => frame.action === "sendMessage");
    expect(resent).toEqual([expect.objectContaining({ clientMessageId: "cmid-1", text: "are you there?" })]);
    second.receive({ type: "ack", id: String(resent[0]!.id), orderId: "o1", clientMessageId: "cmid-1", seq: 4 });
    await expect(sent).resolves.toEqual({ seq: 4, clientMessageId: "cmid-1" });
    client.close();
  });

  it("queues a message sent while down and sends it once on connect", async () => {
    const { client } = setup();
    const sent = client.sendMessage("o1", "offline hello");
    const socket = await connected();
    expect(socket.frames.filter((frame) => frame.action === "sendMessage")).toHaveLength(1);
    socket.receive({ type: "ack", orderId: "o1", clientMessageId: "cmid-1", seq: 2 });
    await expect(sent).resolves.toMatchObject({ seq: 2 });
    client.close();
  });

  it("retries on ack timeout with the same clientMessageId, then gives up", async () => {
    const { client } = setup({ ackTimeoutMs: 1_000, maxSendAttempts: 3 });
    const socket = await connected();
    const sent = client.sendMessage("o1", "hello");
    const outcome = sent.catch((error: Error) => error);
    await advance(1_000);
    await advance(1_000);
    await advance(1_000);
    const frames = socket.frames.filter((frame) => frame.action === "sendMessage");
    expect(frames.map((frame) => frame.clientMessageId)).toEqual(["cmid-1", "cmid-1", "cmid-1"]);
    expect(await outcome).toMatchObject({ name: "RequestTimeoutError" });
    client.close();
  });

  it("rejects with the server's error code", async () => {
    const { client } = setup();
    const socket = await connected();
    const sent = client.sendMessage("o1", "x".repeat(5000));
    socket.receive({ type: "error", id: "r1", code: "PAYLOAD_TOO_LARGE", message: "text too long" });
    await expect(sent).rejects.toMatchObject({ name: "ServerError", code: "PAYLOAD_TOO_LARGE" });
    client.close();
  });

  it("fails fast when the offline queue is full", async () => {
    const { client } = setup({ transport: { random: () => 0, heartbeat: false, maxQueuedMessages: 1 } });
    void client.sendMessage("o1", "one").catch(() => {});
    await expect(client.sendMessage("o1", "two")).rejects.toMatchObject({ name: "SendQueueFullError" });
    client.close();
  });
});

describe("heartbeat", () => {
  it("sends a ping frame every interval while connected", async () => {
    const { client } = setup({
      transport: {
        random: () => 0,
        heartbeat: { intervalMs: 180_000, timeoutMs: 10_000, message: '{"action":"ping"}' },
      },
    });
    const socket = await connected();
    await advance(180_000);
    socket.receive({ type: "pong", seqs: {} });
    await advance(180_000);
    expect(socket.frames).toEqual([{ action: "ping" }, { action: "ping" }]);
    expect(client.state).toBe("connected");
    client.close();
  });
});

describe("the staff orders feed", () => {
  function o(id: string, seq: number): Order {
    return order({ id, seq });
  }

  it("baselines from GET /orders and delivers only what is new, per order", async () => {
    const log = { orders: [o("a", 2), o("b", 1)], events: [] as OrderEvent[] };
    const { client } = setup({}, log);
    const seen: string[] = [];
    const snapshots: string[][] = [];
    client.subscribeOrders({
      onEvent: (event) => seen.push(`${event.orderId}#${event.seq}`),
      onSnapshot: (orders) => snapshots.push(orders.map((each) => each.id)),
    });
    const socket = await connected();
    expect(subscribeFrames(socket)).toEqual([{ action: "subscribe", id: "r1", topic: "orders" }]);
    socket.receive({ type: "subscribed", id: "r1", topic: "orders", seq: 0 });
    socket.receive(eventFrame(statusEvent(2, { orderId: "a" }), "orders")); // before the listing: buffered
    await advance(1);
    socket.receive(eventFrame(statusEvent(3, { orderId: "a" }), "orders"));
    socket.receive(eventFrame(statusEvent(2, { orderId: "b" }), "orders"));
    socket.receive(eventFrame(statusEvent(2, { orderId: "b" }), "orders"));
    expect(snapshots).toEqual([["a", "b"]]);
    expect(seen).toEqual(["a#3", "b#2"]);
    client.close();
  });

  it("catches up after a reconnect: missed events of known orders and orders created meanwhile", async () => {
    const log = { orders: [o("a", 1)], events: [] as OrderEvent[] };
    const { client, requests } = setup({}, log);
    const seen: string[] = [];
    client.subscribeOrders({ onEvent: (event) => seen.push(`${event.orderId}#${event.seq}`) });
    const first = await connected();
    first.receive({ type: "subscribed", id: "r1", topic: "orders", seq: 0 });
    await advance(1);
    first.drop();
    // While away: order a moved twice, order c was created and moved.
    log.orders = [o("c", 2), o("a", 3)];
    log.events = [
      statusEvent(2, { orderId: "a" }),
      statusEvent(3, { orderId: "a" }),
      {
        kind: "order.created",
        seq: 1,
        orderId: "c",
        customerId: "alice",
        at: "2026-11-26T10:05:00.000Z",
        order: o("c", 1),
      },
      statusEvent(2, { orderId: "c" }),
    ];
    await advance(500);
    const second = FakeWebSocket.last;
    second.accept();
    second.receive({ type: "subscribed", id: "r2", topic: "orders", seq: 0 });
    await advance(1);
    await advance(400);
    expect(seen.filter((key) => key.startsWith("a"))).toEqual(["a#2", "a#3"]);
    expect(seen.filter((key) => key.startsWith("c"))).toEqual(["c#1", "c#2"]);
    expect(requests.map((request) => request.path).sort()).toEqual(
      ["/orders", "/orders", "/orders/a/events?since=1", "/orders/c/events?since=0"].sort(),
    );
    client.close();
  });
});

describe("connection state", () => {
  it("is observable through onStateChange", async () => {
    const { client } = setup();
    const states: string[] = [];
    client.onStateChange((state) => states.push(state));
    const socket = await connected();
    socket.drop();
    await advance(500);
    FakeWebSocket.last.accept();
    client.close();
    expect(states).toEqual(["connected", "reconnecting", "connected", "offline"]);
  });
});

describe("transient refusals", () => {
  it("retries a subscribe the server rate-limited, and keeps the subscription", async () => {
    const { client } = setup();
    const errors: ServerError[] = [];
    client.subscribeOrder("o1", { since: 2, onEvent: () => {}, onError: (error) => errors.push(error) });
    const socket = await connected();
    socket.receive({ type: "error", id: "r1", code: "RATE_LIMITED", message: "slow down" });
    expect(subscribeFrames(socket)).toHaveLength(1);
    await advance(1_000); // retry backoff, attempt 1 (random 0 → the full minimum)
    expect(subscribeFrames(socket).map(({ topic, since }) => ({ topic, since }))).toEqual([
      { topic: "order:o1", since: 2 },
      { topic: "order:o1", since: 2 },
    ]);
    expect(errors).toEqual([]);
    client.close();
  });

  it("retries a rate-limited chat send with the same clientMessageId", async () => {
    const { client } = setup();
    const socket = await connected();
    const sent = client.sendMessage("o1", "hello");
    socket.receive({ type: "error", id: "r1", code: "RATE_LIMITED", message: "slow down" });
    await advance(1_000);
    const frames = socket.frames.filter((frame) => frame.action === "sendMessage");
    expect(frames.map((frame) => frame.clientMessageId)).toEqual(["cmid-1", "cmid-1"]);
    socket.receive({ type: "ack", id: String(frames[1]!.id), orderId: "o1", clientMessageId: "cmid-1", seq: 3 });
    await expect(sent).resolves.toEqual({ seq: 3, clientMessageId: "cmid-1" });
    client.close();
  });
});
