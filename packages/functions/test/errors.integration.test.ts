import { DeleteTableCommand } from "@aws-sdk/client-dynamodb";
import { localDynamoDbClient } from "@live-orders/local/clients";
import { type AppStack, startAppStack } from "@live-orders/local/testing/app-stack";
import { responseOf } from "@live-orders/local/testing/http";
import { runEmulators } from "@live-orders/local/testing/run-emulators";
import { sampleOrder } from "@live-orders/local/testing/sample-order";
import { dataItems as tableDataItems } from "@live-orders/local/testing/table";
import { createOrdersApi } from "@live-orders/web/realtime/orders-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestSocket } from "./clients";

let stack: AppStack;
const ordersApiOf = (email: string, fetch?: typeof globalThis.fetch) =>
  createOrdersApi({ ...stack.clientOptions(email), fetch });
let alice: string;

beforeAll(async () => {
  // Validation, not the frame limit: the fuzz below sends 300 frames in one burst, twice the
  // limit. The limit's own flood test is in test/reliability/abuse.integration.test.ts.
  stack = await startAppStack({ ...runEmulators(), env: { LIVE_ORDERS_RATE_LIMIT_FRAMES: "unlimited" } });
  alice = await stack.token("alice@example.com");
});
afterAll(async () => {
  await stack?.stop();
});

/** Items other than bookkeeping (connections, rate-limit counters: a refused frame still counts). */
const dataItems = () => tableDataItems(stack.outputs);

describe("bad frames", () => {
  it("answers each bad frame with a structured error on that connection, writes nothing, and keeps serving", async () => {
    const order = await ordersApiOf("alice@example.com").placeOrder(sampleOrder);
    const socket = await TestSocket.open(stack.outputs, alice);
    const before = await dataItems();
    const cases: [frame: unknown, code: string, id?: string][] = [
      ["this is not json", "BAD_REQUEST"],
      ["[1,2,3]", "BAD_REQUEST"],
      ['{"no":"action"}', "BAD_REQUEST"],
      [{ action: "dance", id: "a1" }, "UNKNOWN_ACTION", "a1"],
      [{ action: "subscribe", id: "a2", topic: 42 }, "BAD_REQUEST", "a2"],
      [{ action: "subscribe", id: "a3", topic: "order:x", since: "0" }, "BAD_REQUEST", "a3"],
      [{ action: "subscribe", id: "a4", topic: "shipments" }, "BAD_REQUEST", "a4"],
      [{ action: "unsubscribe", id: "a5" }, "BAD_REQUEST", "a5"],
      [{ action: "sendMessage", id: "a6", orderId: order.id, text: "", clientMessageId: "c" }, "BAD_REQUEST", "a6"],
      [{ action: "sendMessage", id: "a7", orderId: order.id, text: "hi" }, "BAD_REQUEST", "a7"],
      [
        { action: "sendMessage", id: "a8", orderId: order.id, text: "x".repeat(2001), clientMessageId: "c" },
        "PAYLOAD_TOO_LARGE",
        "a8",
      ],
      [
        `{"action":"sendMessage","id":"a9","orderId":"${order.id}","text":"hi","clientMessageId":"c","__proto__":{"role":"staff"}}`,
        "BAD_REQUEST",
        "a9",
      ],
      [`{"action":"subscribe","id":"a10","topic":"orders","__proto__":{"role":"staff"}}`, "BAD_REQUEST", "a10"],
      [{ action: "ping", id: 12 }, "BAD_REQUEST"],
    ];
    for (const [frame, code, id] of cases) {
      const start = socket.frames.length;
      socket.send(frame);
      const reply = await socket.next((f) => socket.frames.indexOf(f) >= start);
      expect(reply).toEqual({ type: "error", code, message: expect.any(String), ...(id === undefined ? {} : { id }) });
    }
    expect(await socket.request({ action: "ping", id: "still-alive" })).toEqual({
      type: "pong",
      id: "still-alive",
      seqs: {},
    });
    expect(await dataItems()).toEqual(before);
    await socket.close();
  });

  it("closes a frame over API Gateway's 32 KB frame limit with 1009", async () => {
    const socket = await TestSocket.open(stack.outputs, alice);
    socket.send({ action: "sendMessage", orderId: "o", text: "x".repeat(40 * 1024), clientMessageId: "big" });
    expect((await socket.closed).code).toBe(1009);
  });

  it("answers NOT_FOUND and FORBIDDEN over the socket", async () => {
    const socket = await TestSocket.open(stack.outputs, alice);
    expect(await socket.request({ action: "subscribe", topic: "order:nope" })).toMatchObject({ code: "NOT_FOUND" });
    expect(await socket.request({ action: "subscribe", topic: "orders" })).toMatchObject({ code: "FORBIDDEN" });
    await socket.close();
  });
});

describe("fuzz", () => {
  it("answers hundreds of malformed frames one structured reply each, without a crash", async () => {
    const socket = await TestSocket.open(stack.outputs, alice);
    // Deterministic generator: a failure reproduces.
    let state = 4242;
    const random = () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    const pieces = [
      "{",
      "}",
      "[",
      "]",
      '"action"',
      ":",
      ",",
      '"subscribe"',
      '"sendMessage"',
      '"unsubscribe"',
      '"ping"',
      '"topic"',
      '"orders"',
      '"order:x"',
      '"since"',
      "-1",
      "1e309",
      "null",
      "true",
      '"__proto__"',
      '"text"',
      '"\\u0000"',
      '"clientMessageId"',
      '"orderId"',
      '"id"',
      " ",
      '"',
      "💥",
      "9007199254740993",
    ];
    const frames: string[] = [];
    while (frames.length < 300) {
      let raw = "";
      const length = 1 + Math.floor(random() * 12);
      for (let j = 0; j < length; j++) raw += pieces[Math.floor(random() * pieces.length)];
      if (raw.trim().length > 0) frames.push(raw);
    }
    for (const frame of frames) socket.send(frame);
    await expect
      .poll(() => socket.frames.length, { timeout: 60_000, interval: 200 })
      .toBeGreaterThanOrEqual(frames.length);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(socket.frames).toHaveLength(frames.length);
    const codes = new Set(["BAD_REQUEST", "UNKNOWN_ACTION", "PAYLOAD_TOO_LARGE", "FORBIDDEN", "NOT_FOUND"]);
    // A random frame is almost always refused; the rare valid one (a bare ping, an unsubscribe)
    // gets its normal reply. Either way: exactly one reply per frame.
    for (const reply of socket.frames) {
      if (reply.type === "error") expect(codes.has(reply.code)).toBe(true);
      else expect(["pong", "unsubscribed"]).toContain(reply.type);
    }
    expect(socket.frames.filter((f) => f.type === "error").length).toBeGreaterThan(frames.length * 0.9);
    expect(await socket.request({ action: "ping", id: "after-fuzz" })).toEqual({
      type: "pong",
      id: "after-fuzz",
      seqs: {},
    });
    await socket.close();
  });
});

describe("REST errors", () => {
  it("answers bad input with 400 saying what was wrong", async () => {
    const asAlice = (fetch: typeof globalThis.fetch) => ordersApiOf("alice@example.com", fetch);
    /** A body the web client would never send, as it arrives. */
    const postOrders = async (body: string) => {
      const response = await fetch(`${stack.outputs.api}/orders`, {
        method: "POST",
        headers: { authorization: `Bearer ${alice}`, "content-type": "application/json" },
        body,
      });
      return { status: response.status, body: (await response.json()) as unknown };
    };
    const bad = await responseOf((fetch) =>
      asAlice(fetch).placeOrder({ ...sampleOrder, items: [{ ...sampleOrder.items[0]!, quantity: 0 }] }),
    );
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: "BAD_REQUEST", details: [{ path: "items.0.quantity" }] });
    expect((await postOrders("{not json")).body).toMatchObject({ code: "BAD_REQUEST" });
    expect((await postOrders('{"items":[],"__proto__":{"x":1}}')).status).toBe(400);
    expect(
      (await fetch(`${stack.outputs.api}/orders?limit=abc`, { headers: { authorization: `Bearer ${alice}` } })).status,
    ).toBe(400);
    expect((await responseOf((fetch) => asAlice(fetch).eventsSince("some-id", -1))).status).toBe(400);
    expect((await postOrders(JSON.stringify({ ...sampleOrder, note: "x".repeat(40_000) }))).status).toBe(413);
  });

  it("answers 409 for a stale version and for an illegal transition, with the current state", async () => {
    const order = await ordersApiOf("alice@example.com").placeOrder(sampleOrder);
    const asStaff = (fetch: typeof globalThis.fetch) => ordersApiOf("staff@example.com", fetch);
    expect((await responseOf((fetch) => asStaff(fetch).setStatus(order.id, "confirmed", 1))).status).toBe(200);
    expect(await responseOf((fetch) => asStaff(fetch).setStatus(order.id, "preparing", 1))).toMatchObject({
      status: 409,
      body: { code: "CONFLICT", details: { currentVersion: 2, status: "confirmed" } },
    });
    expect(await responseOf((fetch) => asStaff(fetch).setStatus(order.id, "delivered", 2))).toMatchObject({
      status: 409,
      body: { code: "CONFLICT" },
    });
    expect(await responseOf((fetch) => ordersApiOf("alice@example.com", fetch).cancel(order.id))).toMatchObject({
      status: 409,
      body: { code: "CONFLICT" },
    });
    expect((await ordersApiOf("alice@example.com").getOrder(order.id)).order).toMatchObject({ version: 2, seq: 2 });
  });

  it("answers 404 for an unknown order", async () => {
    expect(await responseOf((fetch) => ordersApiOf("staff@example.com", fetch).getOrder("missing"))).toMatchObject({
      status: 404,
      body: { code: "NOT_FOUND" },
    });
  });
});

describe("outage", () => {
  // Last in this file: it deletes the table.
  it("answers INTERNAL (no detail leaked) when storage fails, without crashing", async () => {
    const socket = await TestSocket.open(stack.outputs, alice);
    const client = localDynamoDbClient(stack.outputs.dynamoEndpoint);
    await client.send(new DeleteTableCommand({ TableName: stack.outputs.table }));
    client.destroy();
    // A frame that needs the table (this stack counts no frames, so a ping would not).
    expect(await socket.request({ action: "subscribe", topic: "order:any", id: "down" })).toEqual({
      type: "error",
      id: "down",
      code: "INTERNAL",
      message: "internal error",
    });
    expect(await responseOf((fetch) => ordersApiOf("alice@example.com", fetch).listOrders())).toEqual({
      status: 500,
      body: { code: "INTERNAL", message: "internal error" },
    });
    await socket.close();
  });
});
