import { beforeAll, describe, expect, it, vi } from "vitest";
import { customer, orderInput, staffMember, useTestTable } from "../test/helpers";
import * as Chat from "./chat";
import { dynamo, UpdateCommand } from "./dynamo";
import { type AppError, BadRequestError, ConflictError, ForbiddenError, NotFoundError } from "./errors";
import { queryOrder, tryAppendEvent } from "./events";
import { menu } from "./menu";
import * as Order from "./order";
import { applyStatusEvent, repairProjection } from "./order-projection";
import type { OrderStatus, OrderStatusEvent } from "./protocol";

beforeAll(async () => {
  await useTestTable("orders");
});

describe("orders", () => {
  it("creates an order with seq 1, version 1 and an order.created event", async () => {
    const alice = customer("alice");
    const order = await Order.create(alice, orderInput({ note: "no onions" }));
    expect(order).toMatchObject({
      customerId: alice.userId,
      status: "placed",
      totalCents: 2 * menu.margherita.unitPriceCents + menu.lemonade.unitPriceCents,
      version: 1,
      seq: 1,
      note: "no onions",
    });
    const { order: read, events } = await Order.getWithEvents(alice, order.id);
    expect(read).toEqual(order);
    expect(events).toEqual([
      { kind: "order.created", seq: 1, orderId: order.id, customerId: alice.userId, at: order.createdAt, order },
    ]);
  });

  it("prices every line from the menu and keeps the contact and fulfilment on every read", async () => {
    const alice = customer("alice");
    const input = orderInput({
      items: [
        { sku: menu.pepperoni.sku, quantity: 3 },
        { sku: menu.tiramisu.sku, quantity: 1 },
      ],
      contact: { name: "Alice", phone: "+1 555 0100" },
      fulfilment: { type: "pickup" },
    });
    const order = await Order.create(alice, input);
    expect(order.items).toEqual([
      {
        sku: menu.pepperoni.sku,
        name: menu.pepperoni.name,
        quantity: 3,
        unitPriceCents: menu.pepperoni.unitPriceCents,
      },
      { sku: menu.tiramisu.sku, name: menu.tiramisu.name, quantity: 1, unitPriceCents: menu.tiramisu.unitPriceCents },
    ]);
    expect(order.totalCents).toBe(3 * menu.pepperoni.unitPriceCents + menu.tiramisu.unitPriceCents);
    const expected = { contact: input.contact, fulfilment: input.fulfilment };
    expect(order).toMatchObject(expected);
    expect(await Order.readOrder(order.id)).toMatchObject(expected);
    expect((await Order.getWithEvents(alice, order.id)).order).toMatchObject(expected);
    expect((await Order.list(alice, {})).orders.find((o) => o.id === order.id)).toMatchObject(expected);
    expect((await Order.list(staffMember(), {})).orders.find((o) => o.id === order.id)).toMatchObject(expected);
    // A sku on no menu cannot be priced, whoever calls.
    await expect(
      Order.create(alice, orderInput({ items: [{ sku: "FREE-PIZZA", quantity: 999 }] })),
    ).rejects.toBeInstanceOf(BadRequestError);
  });

  it("limits how many orders one customer places per minute, and nobody else's", async () => {
    process.env.LIVE_ORDERS_RATE_LIMIT_ORDERS = "3";
    try {
      const alice = customer("alice");
      const placed = await Promise.allSettled(Array.from({ length: 5 }, () => Order.place(alice, orderInput())));
      expect(placed.filter((p) => p.status === "fulfilled")).toHaveLength(3);
      expect(
        placed.filter((p) => p.status === "rejected" && (p.reason as AppError).code === "RATE_LIMITED"),
      ).toHaveLength(2);
      await expect(Order.place(customer("bob"), orderInput())).resolves.toMatchObject({ status: "placed" });
    } finally {
      delete process.env.LIVE_ORDERS_RATE_LIMIT_ORDERS;
    }
  });

  it("refuses placing an order as staff", async () => {
    await expect(Order.create(staffMember(), orderInput())).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("hides an order from another customer as NOT_FOUND and shows it to staff", async () => {
    const alice = customer("alice");
    const order = await Order.create(alice, orderInput());
    await expect(Order.getWithEvents(customer("bob"), order.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(Order.getWithEvents(alice, "does-not-exist")).rejects.toBeInstanceOf(NotFoundError);
    expect((await Order.getWithEvents(staffMember(), order.id)).order.id).toBe(order.id);
  });

  it("lists a customer's own orders newest first, paginated", async () => {
    const carol = customer("carol");
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await Order.create(carol, orderInput()));
    await Order.create(customer("dave"), orderInput());
    const first = await Order.list(carol, { limit: 3 });
    expect(first.orders.map((o) => o.id)).toEqual(
      created
        .slice(2)
        .reverse()
        .map((o) => o.id),
    );
    expect(first.cursor).toBeTypeOf("string");
    const second = await Order.list(carol, { limit: 3, cursor: first.cursor });
    expect(second.orders.map((o) => o.id)).toEqual(
      created
        .slice(0, 2)
        .reverse()
        .map((o) => o.id),
    );
  });

  it("refuses a cursor edited to point into another customer's orders", async () => {
    const erin = customer("erin");
    const frank = customer("frank");
    await Order.create(frank, orderInput());
    await Order.create(frank, orderInput());
    const page = await Order.list(frank, { limit: 1 });
    await expect(Order.list(erin, { limit: 1, cursor: page.cursor })).rejects.toBeInstanceOf(BadRequestError);
    await expect(Order.list(erin, { cursor: "not-base64-json" })).rejects.toBeInstanceOf(BadRequestError);
  });

  it("lists every order for staff by status and recency, filtered by status", async () => {
    const staff = staffMember();
    const gina = customer("gina");
    const a = await Order.create(gina, orderInput());
    const b = await Order.create(gina, orderInput());
    await Order.updateStatus(staff, a.id, { status: "confirmed", version: 1 });
    const confirmed = await Order.list(staff, { status: "confirmed", limit: 100 });
    expect(confirmed.orders.every((o) => o.status === "confirmed")).toBe(true);
    expect(confirmed.orders.map((o) => o.id)).toContain(a.id);
    expect(confirmed.orders.map((o) => o.id)).not.toContain(b.id);
    const placed = await Order.list(staff, { status: "placed", limit: 100 });
    const times = placed.orders.map((o) => o.updatedAt);
    expect(times).toEqual([...times].sort().reverse());
    expect(placed.orders.map((o) => o.id)).toContain(b.id);
  });

  it("pages through the staff board, and refuses a cursor of another status filter", async () => {
    const staff = staffMember();
    const hank = customer("hank");
    for (let i = 0; i < 3; i++) await Order.create(hank, orderInput());
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await Order.list(staff, { status: "placed", limit: 2, ...(cursor === undefined ? {} : { cursor }) });
      seen.push(...page.orders.map((o) => o.id));
      cursor = page.cursor;
    } while (cursor !== undefined);
    expect(new Set(seen).size).toBe(seen.length);
    const all = await Order.list(staff, { limit: 1 });
    const foreign = all.orders[0]!.status === "placed" ? "confirmed" : "placed";
    await expect(Order.list(staff, { status: foreign, cursor: all.cursor })).rejects.toBeInstanceOf(BadRequestError);
  });
});

describe("status changes", () => {
  it("moves one step with the current version, bumping version and seq with an order.status event", async () => {
    const staff = staffMember();
    const order = await Order.create(customer(), orderInput());
    const updated = await Order.updateStatus(staff, order.id, { status: "confirmed", version: 1 });
    expect(updated).toMatchObject({ status: "confirmed", version: 2, seq: 2 });
    const { events } = await Order.eventsAfter(staff, order.id, 1);
    expect(events).toEqual([
      expect.objectContaining({
        kind: "order.status",
        seq: 2,
        from: "placed",
        status: "confirmed",
        version: 2,
        by: { userId: staff.userId, role: "staff" },
      }),
    ]);
  });

  it("answers a stale version and an illegal transition with CONFLICT and writes nothing", async () => {
    const staff = staffMember();
    const order = await Order.create(customer(), orderInput());
    await Order.updateStatus(staff, order.id, { status: "confirmed", version: 1 });
    await expect(Order.updateStatus(staff, order.id, { status: "preparing", version: 1 })).rejects.toThrow(
      /stale version/,
    );
    await expect(Order.updateStatus(staff, order.id, { status: "delivered", version: 2 })).rejects.toThrow(
      /illegal transition/,
    );
    const { order: after, events } = await Order.getWithEvents(staff, order.id);
    expect(after).toMatchObject({ status: "confirmed", version: 2, seq: 2 });
    expect(events).toHaveLength(2);
  });

  it("keeps status changes from customers (FORBIDDEN)", async () => {
    const owner = customer();
    const order = await Order.create(owner, orderInput());
    await expect(Order.updateStatus(owner, order.id, { status: "confirmed", version: 1 })).rejects.toBeInstanceOf(
      ForbiddenError,
    );
  });

  it("lets exactly one of many concurrent writers with the same version win; the rest get CONFLICT", async () => {
    const order = await Order.create(customer(), orderInput());
    const writers = Array.from({ length: 10 }, () => staffMember());
    const results = await Promise.allSettled(
      writers.map((staff) => Order.updateStatus(staff, order.id, { status: "confirmed", version: 1 })),
    );
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost.every((r) => r.reason instanceof ConflictError)).toBe(true);
    const { order: after, events } = await Order.getWithEvents(writers[0]!, order.id);
    expect(after).toMatchObject({ status: "confirmed", version: 2, seq: 2 });
    expect(events.map((e) => e.seq)).toEqual([1, 2]);
  });

  it("never loses an update when writers each retry from a fresh read", async () => {
    const order = await Order.create(customer(), orderInput());
    const path = ["confirmed", "preparing", "ready", "out_for_delivery", "delivered"] as const;
    const staff = staffMember();
    // Each writer advances whatever the order is at, reading the version first (a real client's loop).
    const advance = async () => {
      for (;;) {
        const current = (await Order.getWithEvents(staff, order.id)).order;
        const index = current.status === "placed" ? 0 : path.indexOf(current.status as (typeof path)[number]) + 1;
        const next = path[index];
        if (next === undefined) return;
        try {
          await Order.updateStatus(staff, order.id, { status: next, version: current.version });
        } catch (error) {
          if ((error as AppError).code !== "CONFLICT") throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: 6 }, advance));
    const { order: after, events } = await Order.getWithEvents(staff, order.id);
    expect(after).toMatchObject({ status: "delivered", version: 6, seq: 6 });
    expect(events.map((e) => (e.kind === "order.status" ? e.status : e.kind))).toEqual(["order.created", ...path]);
  });
});

describe("cancel", () => {
  it("lets the owner cancel while placed, and not after", async () => {
    const owner = customer();
    const staff = staffMember();
    const a = await Order.create(owner, orderInput());
    expect(await Order.cancel(owner, a.id)).toMatchObject({ status: "cancelled", version: 2, seq: 2 });
    const b = await Order.create(owner, orderInput());
    await Order.updateStatus(staff, b.id, { status: "confirmed", version: 1 });
    await expect(Order.cancel(owner, b.id)).rejects.toThrow(/only while the order is placed/);
  });

  it("lets staff cancel until delivered, and hides others' orders from customers", async () => {
    const owner = customer();
    const staff = staffMember();
    const order = await Order.create(owner, orderInput());
    await expect(Order.cancel(customer("mallory"), order.id)).rejects.toBeInstanceOf(NotFoundError);
    await Order.updateStatus(staff, order.id, { status: "confirmed", version: 1 });
    expect(await Order.cancel(staff, order.id, { version: 2 })).toMatchObject({ status: "cancelled" });
    await expect(Order.cancel(staff, order.id)).rejects.toBeInstanceOf(ConflictError);
  });

  it("answers a cancel with a stale version with CONFLICT", async () => {
    const owner = customer();
    const order = await Order.create(owner, orderInput());
    await expect(Order.cancel(owner, order.id, { version: 5 })).rejects.toThrow(/stale version/);
  });
});

describe("the order item as a projection of the event log (a writer dying between its two writes)", () => {
  /** What a status change's writer leaves when it dies after its event's Put, before the order Update. */
  async function statusEventWithoutOrderUpdate(orderId: string, status: OrderStatus): Promise<OrderStatusEvent> {
    const read = await queryOrder(orderId);
    const order = (await Order.readOrder(orderId))!;
    const event: OrderStatusEvent = {
      kind: "order.status",
      seq: read.head!.seq + 1,
      orderId,
      customerId: order.customerId,
      at: new Date().toISOString(),
      from: order.status,
      status,
      version: order.version + 1,
      by: { userId: "staff-that-crashed", role: "staff" },
    };
    expect(await tryAppendEvent({ orderId, head: read.head!, event })).toMatchObject({ ok: true });
    return event;
  }

  it("reads report the snapshot before the unapplied event, and the fan-out's repair applies it once", async () => {
    const staff = staffMember();
    const owner = customer();
    const order = await Order.create(owner, orderInput());
    const event = await statusEventWithoutOrderUpdate(order.id, "confirmed");
    // The order item still says placed: its seq is 1, so a client holding it applies event 2.
    const stale = await Order.getWithEvents(staff, order.id);
    expect(stale.order).toMatchObject({ status: "placed", version: 1, seq: 1 });
    expect(stale.events.map((e) => e.seq)).toEqual([1, 2]);
    expect((await Order.list(staff, { limit: 100 })).orders.find((o) => o.id === order.id)).toMatchObject({
      status: "placed",
      seq: 1,
    });

    expect(await repairProjection(event)).toBe(true);
    const repaired = await Order.getWithEvents(owner, order.id);
    expect(repaired.order).toMatchObject({ status: "confirmed", version: 2, seq: 2, updatedAt: event.at });
    expect((await Order.list(staff, { status: "confirmed", limit: 100 })).orders.map((o) => o.id)).toContain(order.id);
    // Applying it again, or an older status event after a newer one, changes nothing.
    expect(await applyStatusEvent(event)).toBe(false);
    const next = await Order.updateStatus(staff, order.id, { status: "preparing", version: 2 });
    expect(next).toMatchObject({ status: "preparing", version: 3, seq: 3 });
    expect(await applyStatusEvent(event)).toBe(false);
    expect(await repairProjection(event)).toBe(false);
    expect(await Order.readOrder(order.id)).toMatchObject({ status: "preparing", version: 3, seq: 3 });
  });

  it("a committed status change whose order Update then fails is answered as made, and the fan-out's check applies it", async () => {
    const staff = staffMember();
    const order = await Order.create(customer(), orderInput());
    const client = dynamo();
    const send = client.send.bind(client);
    // Every Update of the order item fails as DynamoDB would when throttled past the retries.
    const spy = vi
      .spyOn(client, "send")
      .mockImplementation(((command: unknown) =>
        command instanceof UpdateCommand
          ? Promise.reject(Object.assign(new Error("throttled"), { name: "ProvisionedThroughputExceededException" }))
          : send(command as never)) as typeof client.send);
    let answered: Awaited<ReturnType<typeof Order.updateStatus>>;
    try {
      answered = await Order.updateStatus(staff, order.id, { status: "confirmed", version: 1 });
    } finally {
      spy.mockRestore();
    }
    expect(answered).toMatchObject({ status: "confirmed", version: 2, seq: 2 });
    // Until the fan-out sees the event, reads report the snapshot before it…
    expect(await Order.readOrder(order.id)).toMatchObject({ status: "placed", seq: 1 });
    const { events } = await Order.getWithEvents(staff, order.id);
    const event = events.at(-1) as OrderStatusEvent;
    expect(event).toMatchObject({ kind: "order.status", seq: 2, status: "confirmed" });
    // …and its check applies it, once.
    expect(await repairProjection(event)).toBe(true);
    expect(await Order.readOrder(order.id)).toMatchObject({ status: "confirmed", version: 2, seq: 2 });
    expect(await repairProjection(event)).toBe(false);
  });

  it("a status change decided after an unapplied one is decided on the state after it, never lost", async () => {
    const staff = staffMember();
    const owner = customer();
    const order = await Order.create(owner, orderInput());
    await statusEventWithoutOrderUpdate(order.id, "confirmed");
    // A chat message after it: the missing status event is no longer the latest event.
    await Chat.sendMessage(owner, { orderId: order.id, text: "hello", clientMessageId: "c-1" });
    // A writer that saw the stale order item (version 1) must not overwrite `confirmed`…
    await expect(Order.updateStatus(staff, order.id, { status: "cancelled", version: 1 })).rejects.toThrow(
      /stale version/,
    );
    // …nor may a transition that is only legal from `placed` pass.
    await expect(Order.cancel(owner, order.id)).rejects.toThrow(/only while the order is placed/);
    // The change from the real state goes through.
    const next = await Order.updateStatus(staff, order.id, { status: "preparing", version: 2 });
    expect(next).toMatchObject({ status: "preparing", version: 3, seq: 4 });
    const { order: after, events } = await Order.getWithEvents(staff, order.id);
    expect(after).toMatchObject({ status: "preparing", version: 3, seq: 4 });
    expect(events.map((e) => (e.kind === "order.status" ? `${e.status} v${e.version}` : e.kind))).toEqual([
      "order.created",
      "confirmed v2",
      "chat.message",
      "preparing v3",
    ]);
  });

  it("an ETA set after an unapplied status change returns the order with that change", async () => {
    const staff = staffMember();
    const order = await Order.create(customer(), orderInput());
    await statusEventWithoutOrderUpdate(order.id, "confirmed");
    const etaAt = new Date(Date.now() + 3_600_000).toISOString();
    expect(await Order.setEta(staff, order.id, { etaAt })).toMatchObject({
      status: "confirmed",
      version: 2,
      seq: 3,
      etaAt,
    });
    expect(await Order.readOrder(order.id)).toMatchObject({ status: "confirmed", version: 2, seq: 3, etaAt });
  });
});
