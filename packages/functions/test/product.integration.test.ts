/**
 * What customers and staff need (issue 13), through the local API Gateway with the real
 * handlers: read positions and `unread`, `typing`, staff presence, the ETA — and who may see
 * each (a customer never sees another customer's typing, read state or presence).
 */
import type { Order, ServerFrame } from "@live-orders/core/protocol";
import { type AppStack, startAppStack } from "@live-orders/local/testing/app-stack";
import { responseOf } from "@live-orders/local/testing/http";
import { runEmulators } from "@live-orders/local/testing/run-emulators";
import { sampleOrder } from "@live-orders/local/testing/sample-order";
import { scanItems } from "@live-orders/local/testing/table";
import { createOrdersApi } from "@live-orders/web/realtime/orders-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestSocket } from "./clients";

/** The `presence` frame a customer's heartbeat brings (it follows the `pong`). */
async function presenceOnPing(socket: TestSocket): Promise<Frame<"presence">> {
  const before = socket.frames.length;
  await socket.request({ action: "ping" });
  return socket.next<Frame<"presence">>((f) => f.type === "presence" && socket.frames.indexOf(f) >= before);
}

/** Short, so the presence window of a silent staff connection ends within the test. */
const heartbeatSeconds = 2;

let stack: AppStack;
let alice: string;
let bob: string;
let staff: string;
const api = (email: string, fetch?: typeof globalThis.fetch) =>
  createOrdersApi({ ...stack.clientOptions(email), fetch });

beforeAll(async () => {
  stack = await startAppStack({
    ...runEmulators(),
    // The DynamoDB calls go through the counting proxy for the "what each costs" table below.
    countDynamoDb: true,
    env: { LIVE_ORDERS_HEARTBEAT_SECONDS: String(heartbeatSeconds) },
  });
  [alice, bob, staff] = await Promise.all([
    stack.token("alice@example.com"),
    stack.token("bob@example.com"),
    stack.token("staff@example.com"),
  ]);
});
afterAll(async () => {
  await stack?.stop();
});

async function placeOrder(email = "alice@example.com"): Promise<Order> {
  return api(email).placeOrder(sampleOrder);
}

async function subscribed(socket: TestSocket, orderId: string) {
  return socket.request<Extract<ServerFrame, { type: "subscribed" }>>({
    action: "subscribe",
    topic: `order:${orderId}`,
  });
}

type Frame<T extends ServerFrame["type"]> = Extract<ServerFrame, { type: T }>;

describe("read positions and unread", () => {
  it("counts the other side's messages after the reader's position, on every order read, and clears on markRead", async () => {
    const order = await placeOrder();
    const customer = await TestSocket.open(stack.outputs, alice);
    const board = await TestSocket.open(stack.outputs, staff);
    await subscribed(customer, order.id);
    await board.request({ action: "subscribe", topic: "orders" });
    await subscribed(board, order.id);
    for (const text of ["hello", "is it ready?"]) {
      await customer.request({ action: "sendMessage", orderId: order.id, text, clientMessageId: `c-${text.length}` });
    }
    await board.request({ action: "sendMessage", orderId: order.id, text: "soon", clientMessageId: "s-1" });

    // Staff have two unread (the customer's), the customer one (staff's): on GET, the lists and search.
    expect((await api("staff@example.com").getOrder(order.id)).order.unread).toBe(2);
    expect((await api("alice@example.com").getOrder(order.id)).order.unread).toBe(1);
    const staffList = await api("staff@example.com").listOrders({ status: "placed", limit: 100 });
    expect(staffList.orders.find((o) => o.id === order.id)?.unread).toBe(2);
    const mine = await api("alice@example.com").listOrders();
    expect(mine.orders.find((o) => o.id === order.id)?.unread).toBe(1);
    expect((await api("staff@example.com").events(order.id, { since: 0 })).events).toHaveLength(4);

    // Staff read everything: the order's subscribers and the board's feed hear it.
    board.send({ action: "markRead", orderId: order.id, seq: 4 });
    const seen = await customer.next<Frame<"read">>((f) => f.type === "read" && f.orderId === order.id);
    expect(seen).toEqual({ type: "read", orderId: order.id, role: "staff", seq: 4 });
    await board.next((f) => f.type === "read" && f.orderId === order.id && f.role === "staff");
    // The board's feed (`orders`) gets it too: two frames, one per topic.
    await expect.poll(() => board.frames.filter((f) => f.type === "read" && f.role === "staff").length).toBe(2);
    expect((await api("staff@example.com").getOrder(order.id)).order.unread).toBe(0);
    expect((await api("alice@example.com").getOrder(order.id)).order.unread).toBe(1);

    // Never back: an older seq writes nothing and tells nobody; a seq past the order's is clamped.
    board.send({ action: "markRead", orderId: order.id, seq: 2 });
    customer.send({ action: "markRead", orderId: order.id, seq: 99 });
    const customerRead = await board.next<Frame<"read">>((f) => f.type === "read" && f.role === "customer");
    expect(customerRead.seq).toBe(4);
    const positions = (await scanItems(stack.outputs)).filter(
      (item) => item.entity === "readPosition" && item.orderId === order.id,
    );
    expect(positions.map((item) => [item.role, item.seq]).sort()).toEqual([
      ["customer", 4],
      ["staff", 4],
    ]);
    expect(customer.frames.filter((f) => f.type === "read" && f.role === "staff")).toHaveLength(1);
    await Promise.all([customer.close(), board.close()]);
  });

  it("marks read below the order's seq with only what was below it seen", async () => {
    const order = await placeOrder();
    const customer = await TestSocket.open(stack.outputs, alice);
    for (const id of ["a", "b", "c"])
      await customer.request({ action: "sendMessage", orderId: order.id, text: id, clientMessageId: id });
    const board = await TestSocket.open(stack.outputs, staff);
    await subscribed(board, order.id);
    // Staff saw the first message (seq 2) only.
    board.send({ action: "markRead", orderId: order.id, seq: 2 });
    await board.next((f) => f.type === "read" && f.orderId === order.id);
    expect((await api("staff@example.com").getOrder(order.id)).order.unread).toBe(2);
    await Promise.all([customer.close(), board.close()]);
  });

  it("refuses another customer's order with NOT_FOUND and writes nothing", async () => {
    const order = await placeOrder();
    const intruder = await TestSocket.open(stack.outputs, bob);
    const refused = await intruder.request({ action: "markRead", orderId: order.id, seq: 1 });
    expect(refused).toMatchObject({ type: "error", code: "NOT_FOUND" });
    const positions = (await scanItems(stack.outputs)).filter(
      (item) => item.entity === "readPosition" && item.orderId === order.id,
    );
    expect(positions).toEqual([]);
    expect((await responseOf((fetch) => api("bob@example.com", fetch).getOrder(order.id))).status).toBe(404);
    await intruder.close();
  });

  it("refuses a markRead without a valid seq", async () => {
    const socket = await TestSocket.open(stack.outputs, alice);
    expect(await socket.request({ action: "markRead", orderId: "x", seq: "1" })).toMatchObject({
      type: "error",
      code: "BAD_REQUEST",
    });
    await socket.close();
  });
});

describe("typing", () => {
  it("reaches the order's other subscribers, not the sender's connection, at most once a second, never stored", async () => {
    const order = await placeOrder();
    const customer = await TestSocket.open(stack.outputs, alice);
    const board = await TestSocket.open(stack.outputs, staff);
    await Promise.all([subscribed(customer, order.id), subscribed(board, order.id)]);
    const itemsBefore = (await scanItems(stack.outputs)).length;

    customer.send({ action: "typing", orderId: order.id });
    const typing = await board.next<Frame<"typing">>((f) => f.type === "typing");
    expect(typing).toMatchObject({ type: "typing", orderId: order.id, from: { role: "customer" } });
    // A burst within the second is dropped by the server.
    for (let i = 0; i < 5; i++) customer.send({ action: "typing", orderId: order.id });
    board.send({ action: "typing", orderId: order.id });
    await customer.next((f) => f.type === "typing" && f.from.role === "staff");
    await board.request({ action: "ping" });
    expect(board.frames.filter((f) => f.type === "typing")).toHaveLength(1);
    expect(customer.frames.filter((f) => f.type === "typing")).toHaveLength(1);
    // Nothing stored but the frames' counts.
    const itemsAfter = (await scanItems(stack.outputs)).filter((item) => item.entity !== "rateWindow");
    expect(itemsAfter.length).toBeLessThanOrEqual(itemsBefore);
    await Promise.all([customer.close(), board.close()]);
  });

  it("never reaches another customer, and refuses them with NOT_FOUND", async () => {
    const order = await placeOrder();
    const [customer, intruder] = await Promise.all([
      TestSocket.open(stack.outputs, alice),
      TestSocket.open(stack.outputs, bob),
    ]);
    await subscribed(customer, order.id);
    expect(await subscribed(intruder, order.id)).toMatchObject({ type: "error", code: "NOT_FOUND" });
    expect(await intruder.request({ action: "typing", orderId: order.id })).toMatchObject({
      type: "error",
      code: "NOT_FOUND",
    });
    const bobsOrder = await placeOrder("bob@example.com");
    await subscribed(intruder, bobsOrder.id);
    customer.send({ action: "typing", orderId: order.id });
    intruder.send({ action: "typing", orderId: bobsOrder.id });
    await customer.request({ action: "ping" });
    await intruder.request({ action: "ping" });
    expect(intruder.frames.filter((f) => f.type === "typing")).toEqual([]);
    expect(customer.frames.filter((f) => f.type === "typing")).toEqual([]);
    await Promise.all([customer.close(), intruder.close()]);
  });
});

describe("staff presence", () => {
  it("is part of subscribed, pushed to customers when the first staff connection comes and the last leaves", async () => {
    const order = await placeOrder();
    const customer = await TestSocket.open(stack.outputs, alice);
    // Earlier tests' staff connections are gone once their `$disconnect` has run.
    await expect.poll(async () => (await subscribed(customer, order.id)).staffOnline, { timeout: 10_000 }).toBe(false);
    const board = await TestSocket.open(stack.outputs, staff);
    const online = await customer.next<Frame<"presence">>((f) => f.type === "presence" && f.staffOnline);
    expect(Date.parse(online.staffOnlineUntil!)).toBeGreaterThan(Date.now());
    expect(await subscribed(customer, order.id)).toMatchObject({ staffOnline: true });
    await board.close();
    await customer.next((f) => f.type === "presence" && !f.staffOnline);
    await customer.close();
  });

  it("ends for a staff connection that stops heartbeating without $disconnect, and a heartbeat keeps it", async () => {
    const order = await placeOrder();
    const customer = await TestSocket.open(stack.outputs, alice);
    const board = await TestSocket.open(stack.outputs, staff);
    await subscribed(customer, order.id);
    // A staff ping within the window keeps staff online past the window of the connect.
    await new Promise((resolve) => setTimeout(resolve, heartbeatSeconds * 1000 * 0.75));
    await board.request({ action: "ping" });
    await new Promise((resolve) => setTimeout(resolve, heartbeatSeconds * 1000 * 0.75));
    expect(await presenceOnPing(customer)).toMatchObject({ staffOnline: true });
    // Then silence (the board's socket stays open: no $disconnect): offline once its window ends.
    const silentSince = Date.now();
    await expect
      .poll(async () => (await presenceOnPing(customer)).staffOnline, {
        timeout: heartbeatSeconds * 3000,
        interval: 250,
      })
      .toBe(false);
    expect(Date.now() - silentSince).toBeLessThan(2 * heartbeatSeconds * 1000);
    await Promise.all([customer.close(), board.close()]);
  });

  it("never reaches a customer's connection about an order not theirs", async () => {
    const order = await placeOrder();
    const intruder = await TestSocket.open(stack.outputs, bob);
    const refused = await subscribed(intruder, order.id);
    expect(refused).toMatchObject({ type: "error", code: "NOT_FOUND" });
    expect(refused).not.toHaveProperty("staffOnline");
    const board = await TestSocket.open(stack.outputs, staff);
    await board.close();
    await intruder.request({ action: "ping" });
    expect(intruder.frames.filter((f) => f.type === "presence")).toEqual([]);
    await intruder.close();
  });
});

describe("ETA", () => {
  it("staff set and clear it: an order.eta event to the order's subscribers, on every order read", async () => {
    const order = await placeOrder();
    const customer = await TestSocket.open(stack.outputs, alice);
    await subscribed(customer, order.id);
    const etaAt = new Date(Date.now() + 20 * 60_000).toISOString();
    const set = await api("staff@example.com").setEta(order.id, etaAt);
    expect(set).toMatchObject({ id: order.id, etaAt, seq: 2, status: "placed", version: 1 });
    const pushed = await customer.waitForEvent(`order:${order.id}`, 2);
    expect(pushed.event).toMatchObject({ kind: "order.eta", etaAt, orderId: order.id, by: { role: "staff" } });
    expect((await api("alice@example.com").getOrder(order.id)).order.etaAt).toBe(etaAt);
    expect((await api("alice@example.com").listOrders()).orders.find((o) => o.id === order.id)?.etaAt).toBe(etaAt);

    const cleared = await api("staff@example.com").setEta(order.id, null);
    expect(cleared).not.toHaveProperty("etaAt");
    expect((await customer.waitForEvent(`order:${order.id}`, 3)).event).toMatchObject({
      kind: "order.eta",
      etaAt: null,
    });
    expect((await api("alice@example.com").getOrder(order.id)).order).not.toHaveProperty("etaAt");
    await customer.close();
  });

  it("refuses a customer (403), a time in the past or not ISO-8601 (400), another's order from nobody but staff", async () => {
    const order = await placeOrder();
    const future = new Date(Date.now() + 10 * 60_000).toISOString();
    const byCustomer = await responseOf((fetch) => api("alice@example.com", fetch).setEta(order.id, future));
    expect(byCustomer).toMatchObject({ status: 403, body: { code: "FORBIDDEN" } });
    const past = await responseOf((fetch) =>
      api("staff@example.com", fetch).setEta(order.id, new Date(Date.now() - 60_000).toISOString()),
    );
    expect(past).toMatchObject({ status: 400, body: { code: "BAD_REQUEST" } });
    const garbage = await responseOf((fetch) => api("staff@example.com", fetch).setEta(order.id, "in 10 minutes"));
    expect(garbage).toMatchObject({ status: 400, body: { code: "BAD_REQUEST" } });
    const missing = await responseOf((fetch) => api("staff@example.com", fetch).setEta("nope", future));
    expect(missing.status).toBe(404);
    expect((await api("alice@example.com").getOrder(order.id)).order.seq).toBe(1);
  });
});

/** No handler running for 500 ms: every invocation an action caused has finished. */
async function settle(): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (stack.idleMs() > 500) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("handlers did not settle");
}

interface Counted {
  lambda: number;
  reads: Record<string, number>;
  writes: Record<string, number>;
  posts: number;
}

async function counted(run: () => Promise<unknown>): Promise<Counted> {
  await settle();
  stack.resetCounts();
  await run();
  await settle();
  const dynamodb = stack.dynamoDbCounts()!;
  const pick = (ops: readonly string[]) =>
    Object.fromEntries(Object.entries(dynamodb.operations).filter(([op]) => ops.includes(op)));
  return {
    lambda: Object.values(stack.invocations()).reduce((sum, { count }) => sum + count, 0),
    reads: pick(["GetItem", "Query", "BatchGetItem"]),
    writes: pick(["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"]),
    posts: stack.gateway().counts().management["POST 200"] ?? 0,
  };
}

describe("what each new frame and write costs (requests, counted; docs/product.md bills them)", () => {
  it("counts typing, markRead, the ETA and presence's reads and writes", { timeout: 120_000 }, async () => {
    const order = await placeOrder();
    const customer = await TestSocket.open(stack.outputs, alice);
    await subscribed(customer, order.id);
    const rows: [string, Counted][] = [];

    const board = await TestSocket.open(stack.outputs, staff);
    await subscribed(board, order.id);
    await customer.request({ action: "sendMessage", orderId: order.id, text: "hi", clientMessageId: "cost-1" });

    const typing = await counted(async () => {
      customer.send({ action: "typing", orderId: order.id });
      await board.next((f) => f.type === "typing" && f.orderId === order.id);
    });
    rows.push(["typing, 1 other subscriber", typing]);
    // The frame's count, the order read, the subscribers' Query; the one post.
    expect(typing).toMatchObject({ lambda: 1, writes: { UpdateItem: 1 }, reads: { Query: 2 }, posts: 1 });

    const markRead = await counted(async () => {
      board.send({ action: "markRead", orderId: order.id, seq: 2 });
      await customer.next((f) => f.type === "read" && f.orderId === order.id && f.role === "staff");
    });
    rows.push(["markRead that moves (order topic: 2 subscribers; orders feed: 0)", markRead]);
    expect(markRead).toMatchObject({ lambda: 1, writes: { UpdateItem: 2 }, reads: { Query: 3 }, posts: 2 });

    const markReadAgain = await counted(async () => {
      board.send({ action: "markRead", orderId: order.id, seq: 2 });
      await board.request({ action: "ping" });
    });
    rows.push(["markRead that does not move (+ a staff ping)", markReadAgain]);
    expect(markReadAgain.posts).toBe(1);

    const eta = await counted(async () => {
      await api("staff@example.com").setEta(order.id, new Date(Date.now() + 600_000).toISOString());
      await customer.next((f) => f.type === "event" && f.event.kind === "order.eta");
    });
    rows.push(["PATCH /orders/{id}/eta (2 order subscribers)", eta]);
    expect(eta.writes).toMatchObject({ TransactWriteItems: 1 });

    const customerPing = await counted(() => presenceOnPing(customer));
    rows.push(["customer ping, watching 1 order (pong + presence)", customerPing]);
    // Reads only (subscriptions, seqs, staff presence): a heartbeat's frame is not counted (issue 15).
    expect(customerPing).toMatchObject({ writes: {}, posts: 2 });

    const staffConnect = await counted(async () => {
      const second = await TestSocket.open(stack.outputs, staff);
      await second.close();
    });
    rows.push(["staff connect + disconnect while staff are online", staffConnect]);

    console.info(
      `cost of issue 13's frames (counted requests):\n${rows
        .map(
          ([what, c]) =>
            `${what}: lambda ${c.lambda}, reads ${JSON.stringify(c.reads)}, writes ${JSON.stringify(c.writes)}, posts ${c.posts}`,
        )
        .join("\n")}`,
    );
    await Promise.all([customer.close(), board.close()]);
  });
});
