import { describe, expect, it } from "vitest";
import type { Identity } from "./authz";
import { lostRaceMessage, refusedMessage, whatHappened } from "./order-conflict";

const staff: Identity = { userId: "s1", role: "staff" };
const otherStaff = { userId: "s2", role: "staff" } as const;
const customer: Identity = { userId: "c1", role: "customer" };

describe("409 messages", () => {
  it("say who changed the order and to what", () => {
    expect(whatHappened("confirmed", otherStaff, staff)).toBe("Staff confirmed this order");
    expect(whatHappened("cancelled", { userId: "c1", role: "customer" }, staff)).toBe(
      "The customer cancelled this order",
    );
    expect(whatHappened("ready", { userId: "s1", role: "staff" }, staff)).toBe("You marked this order ready");
    expect(whatHappened("placed", undefined, staff)).toBe("This order is placed");
    expect(whatHappened("out_for_delivery", undefined, staff)).toBe("This order is out for delivery");
  });

  it("tell a lost race as the change that won, with the versions after it", () => {
    expect(lostRaceMessage({ status: "confirmed", version: 2 }, otherStaff, staff, 1)).toBe(
      "Staff confirmed this order first (stale version 1: the order is at version 2)",
    );
  });

  it("tell a customer whose cancel came too late to ask in the chat", () => {
    expect(
      refusedMessage(
        { status: "confirmed" },
        otherStaff,
        customer,
        "a customer can cancel only while the order is placed (it is confirmed)",
        "cancelled",
      ),
    ).toBe(
      "Staff confirmed this order, so it can no longer be cancelled here: ask staff in the chat (a customer can cancel only while the order is placed (it is confirmed))",
    );
    expect(refusedMessage({ status: "delivered" }, otherStaff, staff, "order is delivered", "cancelled")).toBe(
      "Staff marked this order delivered, so it can no longer be cancelled (order is delivered)",
    );
  });
});
