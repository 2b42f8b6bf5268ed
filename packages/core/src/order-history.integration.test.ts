import { beforeAll, describe, expect, it } from "vitest";
import { customer, orderInput, staffMember, useTestTable } from "../test/helpers";
import * as Chat from "./chat";
import { dynamo, TransactWriteCommand, table } from "./dynamo";
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from "./errors";
import { eventPageSize } from "./events";
import * as Order from "./order";
import { searchIndexItems } from "./order-search";
import { maxChatTextLength } from "./protocol";

beforeAll(async () => {
  await useTestTable("history");
});

async function orderWithMessages(count: number, text = (i: number) => `message ${i}`) {
  const owner = customer();
  const order = await Order.create(owner, orderInput());
  for (let i = 0; i < count; i++)
    await Chat.sendMessage(owner, { orderId: order.id, text: text(i), clientMessageId: `c-${i}` });
  return { owner, order };
}

describe("GET /orders/{id}: the newest page of events", () => {
  it("returns the newest events in seq order and a cursor that reads every older page", async () => {
    const { owner, order } = await orderWithMessages(11);
    const first = await Order.getWithEvents(owner, order.id, { limit: 5 });
    expect(first.order).toMatchObject({ id: order.id, seq: 12 });
    expect(first.events.map((e) => e.seq)).toEqual([8, 9, 10, 11, 12]);
    const seen = [...first.events];
    let cursor = first.cursor;
    while (cursor !== undefined) {
      const page = await Order.eventsPage(owner, order.id, Order.decodeEventCursor(cursor), { limit: 5 });
      seen.unshift(...page.events);
      cursor = page.cursor;
    }
    expect(seen.map((e) => e.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });

  it("gives no cursor when the whole history fits the page", async () => {
    const { owner, order } = await orderWithMessages(2);
    const page = await Order.getWithEvents(owner, order.id);
    expect(page.events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(page.cursor).toBeUndefined();
  });

  it("keeps another customer's order NOT_FOUND on every page", async () => {
    const { order } = await orderWithMessages(3);
    const stranger = customer();
    await expect(Order.getWithEvents(stranger, order.id, { limit: 1 })).rejects.toBeInstanceOf(NotFoundError);
    await expect(Order.eventsPage(stranger, order.id, { before: 3 })).rejects.toBeInstanceOf(NotFoundError);
    await expect(Order.eventsPage(stranger, order.id, { since: 0 }, { limit: 1 })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});

describe("GET /orders/{id}/events?since=: bounded pages", () => {
  it("pages forwards after since, in seq order, until the cursor ends", async () => {
    const { owner, order } = await orderWithMessages(9);
    const seqs: number[] = [];
    let page = await Order.eventsPage(owner, order.id, { since: 2 }, { limit: 3 });
    seqs.push(...page.events.map((e) => e.seq));
    while (page.cursor !== undefined) {
      page = await Order.eventsPage(owner, order.id, Order.decodeEventCursor(page.cursor), { limit: 3 });
      seqs.push(...page.events.map((e) => e.seq));
    }
    expect(seqs).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    const tail = await Order.eventsPage(owner, order.id, { since: 10 });
    expect(tail).toMatchObject({ events: [] });
    expect(tail.cursor).toBeUndefined();
  });

  it("refuses a cursor that was not one of ours", () => {
    expect(() => Order.decodeEventCursor("not-a-cursor")).toThrow(BadRequestError);
    expect(() => Order.decodeEventCursor(Buffer.from('{"since":1,"x":2}').toString("base64url"))).toThrow(
      BadRequestError,
    );
  });

  it("keeps the largest page the limits allow far under Lambda's 6 MB", async () => {
    // The worst chat message JSON can carry: maxChatTextLength control characters, each escaped
    // to six bytes (\u0007), and more of them than a page holds.
    const worst = "\u0007".repeat(maxChatTextLength);
    const { owner, order } = await orderWithMessages(eventPageSize + 5, () => worst);
    const latest = await Order.getWithEvents(owner, order.id);
    const forwards = await Order.eventsPage(owner, order.id, { since: 0 });
    for (const page of [latest, forwards]) {
      const bytes = Buffer.byteLength(JSON.stringify(page));
      console.info(`largest events page: ${page.events.length} events, ${bytes} bytes`);
      expect(page.events).toHaveLength(eventPageSize);
      expect(page.cursor).toBeDefined();
      expect(bytes).toBeGreaterThan(eventPageSize * maxChatTextLength * 6);
      expect(bytes).toBeLessThan(6 * 1024 * 1024);
    }
  }, 120_000);
});

describe("GET /orders?q=: staff search", () => {
  async function orderFor(name: string | undefined) {
    const order = await Order.create(customer(), orderInput());
    if (name !== undefined) {
      // The order as it is created once it has a contact (SPEC §5): the same term items.
      const withContact = { ...order, contact: { name, phone: "+1 555 0100" } };
      await dynamo().send(new TransactWriteCommand({ TransactItems: searchIndexItems(withContact, table()) }));
    }
    return order;
  }

  it("finds orders by a word prefix of the customer's name, case- and accent-insensitive", async () => {
    const zoe = await orderFor("Zoë Quixotic-Müller");
    const other = await orderFor("Quentin Blake");
    const staff = staffMember();
    const ids = async (q: string) => (await Order.list(staff, { q })).orders.map((o) => o.id).sort();
    expect(await ids("QUIXO")).toEqual([zoe.id]);
    expect(await ids("müller")).toEqual([zoe.id]);
    expect(await ids("zoe quix")).toEqual([zoe.id]);
    expect(await ids("blake")).toEqual([other.id]);
    expect(await ids("quixotic blake")).toEqual([]);
    expect(await ids("xotic")).toEqual([]); // prefix, not substring
  });

  it("finds an order by its order number, with or without the #", async () => {
    const order = await orderFor(undefined);
    const staff = staffMember();
    const number = order.id.slice(-6).toUpperCase();
    const found = await Order.list(staff, { q: `#${number}` });
    expect(found.orders).toEqual([expect.objectContaining({ id: order.id, seq: 1, status: "placed" })]);
    expect((await Order.list(staff, { q: number.slice(0, 4).toLowerCase() })).orders.map((o) => o.id)).toContain(
      order.id,
    );
  });

  it("pages a search with a cursor that stays in the search", async () => {
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await orderFor(`Paginata Person${i}`));
    const staff = staffMember();
    const found: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await Order.list(staff, { q: "paginata", limit: 2, ...(cursor ? { cursor } : {}) });
      found.push(...page.orders.map((o) => o.id));
      cursor = page.cursor;
    } while (cursor !== undefined);
    expect(found.sort()).toEqual(made.map((o) => o.id).sort());
    const first = await Order.list(staff, { q: "paginata", limit: 2 });
    await expect(Order.list(staff, { q: "person0", cursor: first.cursor })).rejects.toBeInstanceOf(BadRequestError);
  });

  it("is for staff only", async () => {
    await expect(Order.list(customer(), { q: "anne" })).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe("GET /orders?status=&updatedAfter=: what finished since a time", () => {
  it("lists only the orders of that status changed at or after the time", async () => {
    const staff = staffMember();
    const before = await Order.create(customer(), orderInput());
    await Order.cancel(staff, before.id);
    const since = new Date().toISOString();
    const after = await Order.create(customer(), orderInput());
    await Order.cancel(staff, after.id);
    const page = await Order.list(staff, { status: "cancelled", updatedAfter: since, limit: 100 });
    const ids = page.orders.map((o) => o.id);
    expect(ids).toContain(after.id);
    expect(ids).not.toContain(before.id);
    await expect(Order.list(staff, { updatedAfter: since })).rejects.toBeInstanceOf(BadRequestError);
  });
});

describe("409 messages", () => {
  it("say what happened: who changed the order first", async () => {
    const staff = staffMember();
    const colleague = staffMember();
    const owner = customer();
    const order = await Order.create(owner, orderInput());
    await Order.updateStatus(colleague, order.id, { status: "confirmed", version: 1 });
    const lost = Order.updateStatus(staff, order.id, { status: "confirmed", version: 1 });
    await expect(lost).rejects.toBeInstanceOf(ConflictError);
    await expect(lost).rejects.toThrow(/^Staff confirmed this order first/);
    await expect(Order.cancel(owner, order.id)).rejects.toThrow(
      /^Staff confirmed this order, so it can no longer be cancelled here: ask staff in the chat/,
    );
    await Order.cancel(owner, (await Order.create(owner, orderInput())).id);
    const cancelled = await Order.create(owner, orderInput());
    await Order.cancel(owner, cancelled.id);
    await expect(Order.updateStatus(staff, cancelled.id, { status: "confirmed", version: 2 })).rejects.toThrow(
      /^The customer cancelled this order/,
    );
  });
});
