import { beforeAll, describe, expect, it } from "vitest";
import { customer, orderInput, staffMember, useTestTable } from "../test/helpers";
import * as Chat from "./chat";
import { NotFoundError } from "./errors";
import * as Order from "./order";

beforeAll(async () => {
  await useTestTable("chat");
});

describe("event seq", () => {
  it("gives 50 concurrent writers seqs 2..51: no gap, no duplicate", async () => {
    const owner = customer();
    const order = await Order.create(owner, orderInput());
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        Chat.sendMessage(i % 2 === 0 ? owner : staffMember(), {
          orderId: order.id,
          text: `message ${i}`,
          clientMessageId: `c-${i}`,
        }),
      ),
    );
    const seqs = results.map((r) => r.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => i + 2));
    const { order: after, events } = await Order.getWithEvents(owner, order.id);
    expect(after.seq).toBe(51);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
    // Every ack names the event that really carries that text.
    for (const [i, result] of results.entries()) {
      const event = events.find((e) => e.seq === result.seq);
      expect(event).toMatchObject({ kind: "chat.message", text: `message ${i}`, clientMessageId: `c-${i}` });
    }
  });

  it("interleaves chat and status writers on one order without gaps or lost updates", async () => {
    const owner = customer();
    const staff = staffMember();
    const order = await Order.create(owner, orderInput());
    const chats = Array.from({ length: 20 }, (_, i) =>
      Chat.sendMessage(owner, { orderId: order.id, text: `m${i}`, clientMessageId: `mix-${i}` }),
    );
    const statuses = (async () => {
      let version = 1;
      for (const status of ["confirmed", "preparing", "ready"] as const) {
        version = (await Order.updateStatus(staff, order.id, { status, version })).version;
      }
    })();
    await Promise.all([...chats, statuses]);
    const { order: after, events } = await Order.getWithEvents(owner, order.id);
    expect(after).toMatchObject({ status: "ready", version: 4, seq: 24 });
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    expect(events.filter((e) => e.kind === "order.status").map((e) => (e as { status: string }).status)).toEqual([
      "confirmed",
      "preparing",
      "ready",
    ]);
  });
});

describe("chat idempotency", () => {
  it("stores a retried send once and acks it with the first seq", async () => {
    const owner = customer();
    const order = await Order.create(owner, orderInput());
    const first = await Chat.sendMessage(owner, { orderId: order.id, text: "hello", clientMessageId: "retry-me" });
    const retry = await Chat.sendMessage(owner, { orderId: order.id, text: "hello", clientMessageId: "retry-me" });
    expect(first).toMatchObject({ seq: 2, duplicate: false });
    expect(retry).toEqual({ seq: 2, messageId: first.messageId, duplicate: true });
    const { events } = await Order.getWithEvents(owner, order.id);
    expect(events.filter((e) => e.kind === "chat.message")).toHaveLength(1);
  });

  it("stores one message when the same send races itself", async () => {
    const owner = customer();
    const order = await Order.create(owner, orderInput());
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        Chat.sendMessage(owner, { orderId: order.id, text: "once", clientMessageId: "race" }),
      ),
    );
    expect(new Set(results.map((r) => r.seq))).toEqual(new Set([2]));
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    const { events } = await Order.getWithEvents(owner, order.id);
    expect(events.map((e) => e.seq)).toEqual([1, 2]);
  });

  it("scopes clientMessageId to its sender", async () => {
    const owner = customer();
    const staff = staffMember();
    const order = await Order.create(owner, orderInput());
    const a = await Chat.sendMessage(owner, { orderId: order.id, text: "a", clientMessageId: "same" });
    const b = await Chat.sendMessage(staff, { orderId: order.id, text: "b", clientMessageId: "same" });
    expect([a.seq, b.seq]).toEqual([2, 3]);
  });

  it("refuses a message on someone else's order as NOT_FOUND and writes nothing", async () => {
    const owner = customer();
    const order = await Order.create(owner, orderInput());
    await expect(
      Chat.sendMessage(customer("mallory"), { orderId: order.id, text: "hi", clientMessageId: "x" }),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect((await Order.getWithEvents(owner, order.id)).order.seq).toBe(1);
  });
});
