import type { Order, OrderEvent, OrderStatus, ServerFrame } from "@live-orders/core/protocol";
import { type AppStack, startAppStack } from "@live-orders/local/testing/app-stack";
import { responseOf } from "@live-orders/local/testing/http";
import { runEmulators } from "@live-orders/local/testing/run-emulators";
import { sampleOrder } from "@live-orders/local/testing/sample-order";
import { itemsOfConnection, putItem, scanItems } from "@live-orders/local/testing/table";
import { createOrdersApi } from "@live-orders/web/realtime/orders-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestSocket } from "./clients";

let stack: AppStack;
let alice: string;
let staff: string;
const ordersApiOf = (email: string, fetch?: typeof globalThis.fetch) =>
  createOrdersApi({ ...stack.clientOptions(email), fetch });

beforeAll(async () => {
  // The race tests write chat as fast as a program can, past a person's 4 messages per 2 s.
  stack = await startAppStack({ ...runEmulators(), env: { LIVE_ORDERS_RATE_LIMIT_CHAT: "1000" } });
  [alice, staff] = await Promise.all([stack.token("alice@example.com"), stack.token("staff@example.com")]);
});
afterAll(async () => {
  await stack?.stop();
});

async function placeOrder() {
  const created = await responseOf((fetch) => ordersApiOf("alice@example.com", fetch).placeOrder(sampleOrder));
  expect(created.status).toBe(201);
  return created.body as Order;
}

describe("live order status", () => {
  it("pushes a status change made over REST to the order's subscribers and the staff feed", async () => {
    const order = await placeOrder();
    const customer = await TestSocket.open(stack.outputs, alice);
    const board = await TestSocket.open(stack.outputs, staff);
    expect(await customer.request({ action: "subscribe", topic: `order:${order.id}` })).toMatchObject({
      type: "subscribed",
      seq: 1,
    });
    expect(await board.request({ action: "subscribe", topic: "orders" })).toMatchObject({
      type: "subscribed",
      topic: "orders",
      seq: 0,
    });
    expect(
      (await responseOf((fetch) => ordersApiOf("staff@example.com", fetch).setStatus(order.id, "confirmed", 1))).status,
    ).toBe(200);
    const pushed = await customer.waitForEvent(`order:${order.id}`, 2);
    expect(pushed).toMatchObject({ type: "event", topic: `order:${order.id}`, seq: 2 });
    expect(pushed.event).toMatchObject({
      kind: "order.status",
      seq: 2,
      orderId: order.id,
      from: "placed",
      status: "confirmed",
      version: 2,
    });
    // The feed carries the order's own seq and event.orderId.
    const fed = await board.next<Extract<ServerFrame, { type: "event" }>>(
      (f) => f.type === "event" && f.topic === "orders" && f.event.orderId === order.id && f.seq === 2,
    );
    expect(fed.event).toEqual(pushed.event);
    // An event pushed is exactly the event REST returns.
    const history = await ordersApiOf("alice@example.com").getOrder(order.id);
    expect(history.events.find((e) => e.seq === 2)).toEqual(pushed.event);
    await Promise.all([customer.close(), board.close()]);
  });

  it("sends a new order to the staff feed as order.created", async () => {
    const board = await TestSocket.open(stack.outputs, staff);
    await board.request({ action: "subscribe", topic: "orders" });
    const order = await placeOrder();
    const created = await board.next((f) => f.type === "event" && f.event.orderId === order.id);
    expect(created).toMatchObject({ type: "event", topic: "orders", seq: 1, event: { kind: "order.created", order } });
    await board.close();
  });

  it("stops pushing after unsubscribe", async () => {
    const order = await placeOrder();
    const socket = await TestSocket.open(stack.outputs, alice);
    await socket.request({ action: "subscribe", topic: `order:${order.id}` });
    expect(await socket.request({ action: "unsubscribe", topic: `order:${order.id}` })).toMatchObject({
      type: "unsubscribed",
      topic: `order:${order.id}`,
    });
    // A second socket proves the event went out; the first must not have it.
    const witness = await TestSocket.open(stack.outputs, alice);
    await witness.request({ action: "subscribe", topic: `order:${order.id}` });
    await ordersApiOf("staff@example.com").setStatus(order.id, "confirmed", 1);
    await witness.waitForEvent(`order:${order.id}`, 2);
    // (The order.created fan-out, seq 1, may trail the subscribe; nothing after the unsubscribe.)
    expect(socket.events(`order:${order.id}`).filter((e) => e.seq >= 2)).toEqual([]);
    await Promise.all([socket.close(), witness.close()]);
  });
});

describe("resume", () => {
  it("replays the events missed while disconnected once, in order, then continues live", async () => {
    const order = await placeOrder();
    const topic = `order:${order.id}`;
    const first = await TestSocket.open(stack.outputs, alice);
    await first.request({ action: "subscribe", topic });
    await ordersApiOf("staff@example.com").setStatus(order.id, "confirmed", 1);
    await first.waitForEvent(topic, 2);
    await first.close();

    // While away: a status change and two chat messages (seq 3, 4, 5).
    await ordersApiOf("staff@example.com").setStatus(order.id, "preparing", 2);
    const staffSocket = await TestSocket.open(stack.outputs, staff);
    await staffSocket.request({ action: "subscribe", topic });
    for (const n of [1, 2]) {
      expect(
        await staffSocket.request({
          action: "sendMessage",
          orderId: order.id,
          text: `update ${n}`,
          clientMessageId: `away-${n}`,
        }),
      ).toMatchObject({ type: "ack" });
    }
    // Let the live fan-out of seq 5 finish first: a subscribe racing it may legitimately get seq 5
    // both replayed and live (at-least-once; clients dedup by seq), which is not what this checks.
    await staffSocket.waitForEvent(topic, 5);

    const second = await TestSocket.open(stack.outputs, alice);
    const subscribed = await second.request({ action: "subscribe", topic, since: 2 });
    expect(subscribed).toMatchObject({ type: "subscribed", topic, seq: 5 });
    await second.waitForEvent(topic, 5);
    // `subscribed` first, then the replay in order, each once.
    const afterSubscribed = second.frames.slice(second.frames.indexOf(subscribed));
    expect(afterSubscribed.map((f) => (f.type === "event" ? f.seq : f.type))).toEqual(["subscribed", 3, 4, 5]);
    expect(second.events(topic).map((e) => e.event.kind)).toEqual(["order.status", "chat.message", "chat.message"]);

    await ordersApiOf("staff@example.com").setStatus(order.id, "ready", 3);
    expect((await second.waitForEvent(topic, 6)).event).toMatchObject({ status: "ready" });
    expect(second.events(topic).map((e) => e.seq)).toEqual([3, 4, 5, 6]);
    // REST agrees with what the socket holds.
    expect((await ordersApiOf("alice@example.com").eventsSince(order.id, 2)).events.map((e) => e.seq)).toEqual([
      3, 4, 5, 6,
    ]);
    await Promise.all([second.close(), staffSocket.close()]);
  });
});

describe("subscribe racing writers", () => {
  it("misses no event between replay and live: after dedup by seq the client holds every seq", async () => {
    for (let round = 0; round < 3; round++) {
      const order = await placeOrder();
      const topic = `order:${order.id}`;
      const writer = await TestSocket.open(stack.outputs, staff);
      const total = 12;
      const writing = (async () => {
        for (let i = 0; i < total; i++) {
          await writer.request({
            action: "sendMessage",
            orderId: order.id,
            text: `m${i}`,
            clientMessageId: `race-${round}-${i}`,
          });
        }
      })();
      // Subscribe somewhere in the middle of the writes, at a different point each round.
      await new Promise((resolve) => setTimeout(resolve, 40 + round * 60));
      const reader = await TestSocket.open(stack.outputs, alice);
      const subscribed = await reader.request<Extract<ServerFrame, { type: "subscribed" }>>({
        action: "subscribe",
        topic,
        since: 0,
      });
      await writing;
      // Every seq, not just the last: a live event may overtake the replay's posts (the client
      // reorders by seq, SPEC §4), so the newest arriving says nothing about the replayed ones.
      // A seq still missing after the wait fails the assertion below.
      await Promise.all(
        Array.from({ length: total + 1 }, (_, i) => reader.waitForEvent(topic, i + 1, 10_000).catch(() => undefined)),
      );
      const seqs = [...new Set(reader.events(topic).map((e) => e.seq))].sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: total + 1 }, (_, i) => i + 1));
      expect(subscribed.seq).toBeGreaterThanOrEqual(1);
      await Promise.all([reader.close(), writer.close()]);
    }
  });
});

describe("chat", () => {
  it("delivers a message to every subscriber and acks a retried send with the same seq, stored once", async () => {
    const order = await placeOrder();
    const topic = `order:${order.id}`;
    const customer = await TestSocket.open(stack.outputs, alice);
    const agent = await TestSocket.open(stack.outputs, staff);
    await customer.request({ action: "subscribe", topic });
    await agent.request({ action: "subscribe", topic });
    const message = {
      action: "sendMessage",
      orderId: order.id,
      text: "Where is my pizza? <b>now</b>",
      clientMessageId: "m-1",
    };
    const ack = await customer.request({ ...message, id: "send-1" });
    expect(ack).toEqual({ type: "ack", id: "send-1", orderId: order.id, clientMessageId: "m-1", seq: 2 });
    const retry = await customer.request({ ...message, id: "send-1-retry" });
    expect(retry).toEqual({ type: "ack", id: "send-1-retry", orderId: order.id, clientMessageId: "m-1", seq: 2 });
    const received = await agent.waitForEvent(topic, 2);
    expect(received.event).toMatchObject({
      kind: "chat.message",
      text: "Where is my pizza? <b>now</b>",
      clientMessageId: "m-1",
      from: { userId: stack.userId("alice@example.com"), role: "customer" },
    });
    await customer.waitForEvent(topic, 2);
    const { events } = await ordersApiOf("alice@example.com").getOrder(order.id);
    expect(events.filter((e: OrderEvent) => e.kind === "chat.message")).toHaveLength(1);
    expect(events.map((e) => e.seq)).toEqual([1, 2]);
    await Promise.all([customer.close(), agent.close()]);
  });
});

describe("concurrent status writers", () => {
  it("lets one writer per version win (others 409), never duplicating a seq", async () => {
    const order = await placeOrder();
    const topic = `order:${order.id}`;
    const watcher = await TestSocket.open(stack.outputs, alice);
    await watcher.request({ action: "subscribe", topic });
    const path: OrderStatus[] = ["confirmed", "preparing", "ready", "out_for_delivery", "delivered"];
    let version = 1;
    for (const status of path) {
      const responses = await Promise.all(
        Array.from({ length: 5 }, () =>
          responseOf((fetch) => ordersApiOf("staff@example.com", fetch).setStatus(order.id, status, version)),
        ),
      );
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 409, 409, 409, 409]);
      for (const r of responses.filter((r) => r.status === 409)) expect(r.body).toMatchObject({ code: "CONFLICT" });
      version += 1;
    }
    await watcher.waitForEvent(topic, 6);
    const { order: final, events } = await ordersApiOf("alice@example.com").getOrder(order.id);
    expect(final).toMatchObject({ status: "delivered", version: 6, seq: 6 });
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    const pushed = watcher.events(topic);
    // (seq 1, order.created, may also arrive: its fan-out can trail the subscribe.)
    expect([...new Set(pushed.map((e) => e.seq))].filter((seq) => seq >= 2).sort()).toEqual([2, 3, 4, 5, 6]);
    await watcher.close();
  });
});

describe("stale connections", () => {
  it("removes a connection killed without a close frame (and whose $disconnect was lost) at the next fan-out, via 410", async () => {
    const order = await placeOrder();
    const topic = `order:${order.id}`;
    const doomed = await TestSocket.open(stack.outputs, alice);
    expect((await doomed.request({ action: "subscribe", topic })).type).toBe("subscribed");
    const healthy = await TestSocket.open(stack.outputs, alice);
    await healthy.request({ action: "subscribe", topic });
    const doomedId = await connectionIdOf(doomed);
    const ghost = await itemsOfConnection(stack.outputs, doomedId);
    // The connection, its two order subscriptions, and the staff presence one a customer's order
    // subscription brings (presence-push.ts).
    expect(ghost.map((item) => item.sk).sort()).toEqual([
      "CONN",
      `CONN#${doomedId}`,
      `CONN#${doomedId}`,
      `CONN#${doomedId}`,
    ]);
    expect(ghost.filter((item) => item.pk === "TOPIC#presence:staff")).toHaveLength(1);

    // The network drops: no close frame. API Gateway's $disconnect is best effort; make it "lost"
    // by restoring what it deleted, so the table holds a ghost exactly as if it had never run.
    doomed.kill();
    await doomed.closed;
    await expect.poll(async () => (await itemsOfConnection(stack.outputs, doomedId)).length, { timeout: 5000 }).toBe(0);
    for (const item of ghost) await putItem(stack.outputs, item);
    expect(await itemsOfConnectionIds(topic)).toHaveLength(2);

    await ordersApiOf("staff@example.com").setStatus(order.id, "confirmed", 1);
    await healthy.waitForEvent(topic, 2);
    await expect.poll(async () => (await itemsOfConnection(stack.outputs, doomedId)).length, { timeout: 5000 }).toBe(0);
    expect(await itemsOfConnectionIds(topic)).toHaveLength(1);
    await healthy.close();
  });
});

/** Connection ids subscribed to a topic, from the table. */
async function itemsOfConnectionIds(topic: string): Promise<string[]> {
  return (await scanItems(stack.outputs))
    .filter((item) => item.pk === `TOPIC#${topic}`)
    .map((item) => item.connectionId as string);
}

/** A socket's connection id: subscribe it to a fresh topic of its own and read the subscription. */
async function connectionIdOf(socket: TestSocket): Promise<string> {
  const probe = await placeOrder();
  await socket.request({ action: "subscribe", topic: `order:${probe.id}` });
  const ids = await itemsOfConnectionIds(`order:${probe.id}`);
  expect(ids).toHaveLength(1);
  return ids[0]!;
}
