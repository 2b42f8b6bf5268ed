import { describe, expect, it } from "vitest";
import { chatEvent, order, statusEvent } from "../test/helpers";
import {
  applyRead,
  applyReadToOrders,
  applyToOrder,
  applyToOrders,
  applyToView,
  etaLabel,
  fulfilmentLabel,
  mergeIntoView,
  mergeOrders,
  withOlderEvents,
} from "./order-state";

describe("applyToView", () => {
  it("applies a newer status event and records it", () => {
    const view = { order: order({ seq: 1 }), events: [] };
    const next = applyToView(view, statusEvent(2, { status: "confirmed", version: 2 }));
    expect(next.order).toMatchObject({ status: "confirmed", version: 2, seq: 2 });
    expect(next.events.map((event) => event.seq)).toEqual([2]);
  });

  it("ignores an event the snapshot already contains", () => {
    const view = { order: order({ seq: 3, status: "preparing" }), events: [chatEvent(3)] };
    expect(applyToView(view, statusEvent(2, { status: "confirmed" }))).toBe(view);
    expect(applyToView(view, chatEvent(3))).toBe(view);
  });

  it("keeps chat messages as events without touching the status", () => {
    const view = { order: order({ seq: 1 }), events: [] };
    const next = applyToView(view, chatEvent(2, { text: "<img src=x onerror=alert(1)>" }));
    expect(next.order.status).toBe("placed");
    expect(next.events).toHaveLength(1);
  });
});

describe("board state", () => {
  it("lets the newer seq win when a snapshot meets pushed events", () => {
    const afterEvent = applyToOrders(new Map([["o1", order({ seq: 1 })]]), statusEvent(2, { status: "confirmed" }));
    const merged = mergeOrders(afterEvent, [order({ seq: 1, status: "placed" })]);
    expect(merged.get("o1")?.status).toBe("confirmed");
    const newer = mergeOrders(afterEvent, [order({ seq: 5, status: "ready" })]);
    expect(newer.get("o1")?.status).toBe("ready");
  });

  it("adds an order from its order.created event and ignores other events of unknown orders", () => {
    const created = applyToOrders(new Map(), {
      kind: "order.created",
      seq: 1,
      orderId: "o9",
      customerId: "alice",
      at: "2026-11-26T10:00:00.000Z",
      order: order({ id: "o9" }),
    });
    expect([...created.keys()]).toEqual(["o9"]);
    expect(applyToOrders(new Map(), statusEvent(2, { orderId: "o7" })).size).toBe(0);
  });
});

// The forward-status table that stood here moved with the rule to core (order-status.test.ts, `forwardStatus`).

describe("mergeIntoView", () => {
  it("shows a newer order from a mutation's response, and its event still joins the timeline", () => {
    const view = { order: order({ seq: 1 }), events: [] };
    const merged = mergeIntoView(view, order({ seq: 2, status: "confirmed", version: 2 }));
    expect(merged.order.status).toBe("confirmed");
    const withEvent = applyToView(merged, statusEvent(2, { status: "confirmed", version: 2 }));
    expect(withEvent.events.map((event) => event.seq)).toEqual([2]);
    expect(withEvent.order).toBe(merged.order);
  });

  it("ignores an older read", () => {
    const view = { order: order({ seq: 4, status: "ready" }), events: [] };
    expect(mergeIntoView(view, order({ seq: 3, status: "preparing" }))).toBe(view);
  });
});

describe("withOlderEvents", () => {
  it("puts an older page before the events shown, each seq once", () => {
    const view = { order: order({ seq: 6 }), events: [chatEvent(4), chatEvent(5), chatEvent(6)] };
    const next = withOlderEvents(view, [chatEvent(3), chatEvent(1), chatEvent(2), chatEvent(4)]);
    expect(next.events.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(withOlderEvents(next, [chatEvent(2)])).toBe(next);
  });
});

describe("unread", () => {
  it("counts the other side's messages for the viewer, not their own side's", () => {
    const staffView = applyToOrder(order({ seq: 1 }), chatEvent(2), "staff");
    expect(staffView.unread).toBe(1);
    expect(applyToOrder(order({ seq: 1 }), chatEvent(2), "customer").unread).toBe(0);
    expect(applyToOrder(order({ seq: 1 }), chatEvent(2)).unread).toBe(0);
  });

  it("clears on a read of the viewer's side up to the order's seq, not on the other side's or a shorter one", () => {
    const shown = order({ seq: 4, unread: 2 });
    expect(applyRead(shown, { orderId: "o1", role: "staff", seq: 4 }, "staff").unread).toBe(0);
    expect(applyRead(shown, { orderId: "o1", role: "customer", seq: 4 }, "staff")).toBe(shown);
    expect(applyRead(shown, { orderId: "o1", role: "staff", seq: 3 }, "staff")).toBe(shown);
    const board = applyReadToOrders(new Map([["o1", shown]]), { orderId: "o1", role: "staff", seq: 9 }, "staff");
    expect(board.get("o1")?.unread).toBe(0);
  });

  it("takes a snapshot's count at the same seq", () => {
    const merged = mergeOrders(new Map([["o1", order({ seq: 2, unread: 1 })]]), [order({ seq: 2, unread: 0 })]);
    expect(merged.get("o1")?.unread).toBe(0);
  });
});

describe("labels", () => {
  it("says where an order goes, and its ETA as a time and what is left", () => {
    expect(fulfilmentLabel(order())).toBe("Pickup");
    expect(fulfilmentLabel(order({ fulfilment: { type: "delivery", address: "1 Main St" } }))).toBe("1 Main St");
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    expect(etaLabel(new Date(now + 17.5 * 60_000).toISOString(), now).left).toBe("in 18 min");
    expect(etaLabel(new Date(now - 60_000).toISOString(), now).left).toBe("due now");
  });
});
