/**
 * Issue 14 through the local API Gateway with real cognito-local tokens: the `customer:` feed,
 * paginated order history and staff search over REST, and what a 409 says.
 */
import type { Order, ServerFrame } from "@live-orders/core/protocol";
import { type AppStack, startAppStack } from "@live-orders/local/testing/app-stack";
import { responseOf } from "@live-orders/local/testing/http";
import { runEmulators } from "@live-orders/local/testing/run-emulators";
import { sampleOrder } from "@live-orders/local/testing/sample-order";
import { createOrdersApi } from "@live-orders/web/realtime/orders-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestSocket } from "./clients";

let stack: AppStack;
const api = (email: string, fetch?: typeof globalThis.fetch) =>
  createOrdersApi({ ...stack.clientOptions(email), fetch });

beforeAll(async () => {
  // The history test seeds 6 messages on one order at once: past the chat limit per order
  // (4 in 2 s), which is the abuse suite's subject, not this one's.
  stack = await startAppStack({ ...runEmulators(), env: { LIVE_ORDERS_RATE_LIMIT_CHAT: "1000" } });
});
afterAll(async () => {
  await stack?.stop();
});

describe("the customer: feed", () => {
  it("pushes every event of the customer's orders on one subscription, each with its order's seq", async () => {
    const aliceId = stack.userId("alice@example.com");
    const topic = `customer:${aliceId}`;
    const home = await TestSocket.open(stack.outputs, await stack.token("alice@example.com"));
    expect(await home.request({ action: "subscribe", topic })).toMatchObject({ type: "subscribed", topic, seq: 0 });
    const first = await api("alice@example.com").placeOrder(sampleOrder);
    const second = await api("alice@example.com").placeOrder(sampleOrder);
    await api("staff@example.com").setStatus(first.id, "confirmed", 1);
    await api("staff@example.com").setStatus(second.id, "confirmed", 1);
    const pushed = (orderId: string, seq: number) =>
      home.next<Extract<ServerFrame, { type: "event" }>>(
        (f) => f.type === "event" && f.topic === topic && f.event.orderId === orderId && f.seq === seq,
      );
    for (const order of [first, second]) {
      expect((await pushed(order.id, 1)).event).toMatchObject({ kind: "order.created", customerId: aliceId });
      expect((await pushed(order.id, 2)).event).toMatchObject({ kind: "order.status", status: "confirmed" });
    }
    await home.close();
  });

  it("answers another customer's feed with NOT_FOUND and lets staff follow it", async () => {
    const topic = `customer:${stack.userId("alice@example.com")}`;
    const bob = await TestSocket.open(stack.outputs, await stack.token("bob@example.com"));
    expect(await bob.request({ action: "subscribe", topic })).toMatchObject({ type: "error", code: "NOT_FOUND" });
    const staff = await TestSocket.open(stack.outputs, await stack.token("staff@example.com"));
    expect(await staff.request({ action: "subscribe", topic })).toMatchObject({ type: "subscribed", topic });
    await Promise.all([bob.close(), staff.close()]);
  });
});

describe("paginated history over REST", () => {
  it("returns the newest events of an order with a cursor back to the first", async () => {
    const order = await api("alice@example.com").placeOrder(sampleOrder);
    const socket = await TestSocket.open(stack.outputs, await stack.token("alice@example.com"));
    for (let i = 0; i < 6; i++)
      await socket.request({ action: "sendMessage", orderId: order.id, text: `m${i}`, clientMessageId: `h${i}` });
    await socket.close();
    const latest = await api("alice@example.com").getOrder(order.id, { limit: 4 });
    expect(latest.events.map((e) => e.seq)).toEqual([4, 5, 6, 7]);
    expect(latest.cursor).toEqual(expect.any(String));
    const older = await api("alice@example.com").events(order.id, { cursor: latest.cursor!, limit: 4 });
    expect(older.events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(older.cursor).toBeUndefined();
    const forwards = await api("alice@example.com").events(order.id, { since: 2, limit: 3 });
    expect(forwards.events.map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(
      (await api("alice@example.com").events(order.id, { cursor: forwards.cursor! })).events.map((e) => e.seq),
    ).toEqual([6, 7]);
    expect((await api("alice@example.com").events(order.id, { before: 3 })).events.map((e) => e.seq)).toEqual([1, 2]);
    const both = await responseOf(async (fetch) =>
      fetch(`${stack.outputs.api}/orders/${order.id}/events?since=1&before=3`, {
        headers: { authorization: `Bearer ${await stack.token("alice@example.com")}` },
      }),
    );
    expect(both).toMatchObject({ status: 400, body: { code: "BAD_REQUEST" } });
  });
});

describe("staff search over REST", () => {
  it("finds an order by its number for staff, and refuses customers", async () => {
    const order: Order = await api("alice@example.com").placeOrder(sampleOrder);
    const number = order.id.slice(-6).toUpperCase();
    const found = await api("staff@example.com").listOrders({ q: `#${number}` });
    expect(found.orders.map((o) => o.id)).toContain(order.id);
    expect(await responseOf((fetch) => api("alice@example.com", fetch).listOrders({ q: number }))).toMatchObject({
      status: 403,
      body: { code: "FORBIDDEN" },
    });
  });
});

describe("409 messages", () => {
  it("tell the customer that staff confirmed the order first", async () => {
    const order = await api("alice@example.com").placeOrder(sampleOrder);
    await api("staff@example.com").setStatus(order.id, "confirmed", 1);
    const refused = await responseOf((fetch) => api("alice@example.com", fetch).cancel(order.id));
    expect(refused).toMatchObject({ status: 409, body: { code: "CONFLICT" } });
    expect((refused.body as { message: string }).message).toMatch(/^Staff confirmed this order, so it can no longer/);
  });
});
