import { describe, expect, it } from "vitest";
import { chatEvent, order, statusEvent } from "../../test/helpers";
import { isNewsFor, titleWithCount } from "./use-attention";

describe("what calls a user back", () => {
  const alice = { userId: "alice", role: "customer" } as const;
  const staff = { userId: "staff", role: "staff" } as const;

  it("is a message or a status change by someone else; a new order for staff", () => {
    expect(isNewsFor(chatEvent(2), staff)).toBe(true);
    expect(isNewsFor(chatEvent(2), alice)).toBe(false);
    expect(isNewsFor(statusEvent(2), alice)).toBe(true);
    expect(isNewsFor(statusEvent(2), staff)).toBe(false);
    const created = {
      kind: "order.created",
      seq: 1,
      orderId: "o1",
      customerId: "alice",
      at: "",
      order: order(),
    } as const;
    expect(isNewsFor(created, staff)).toBe(true);
    expect(isNewsFor(created, alice)).toBe(false);
  });

  it("shows as (N) in front of the title, replaced, and removed at 0", () => {
    expect(titleWithCount("Orders board · Live Orders", 1)).toBe("(1) Orders board · Live Orders");
    expect(titleWithCount("(1) Orders board · Live Orders", 3)).toBe("(3) Orders board · Live Orders");
    expect(titleWithCount("(3) Orders board · Live Orders", 0)).toBe("Orders board · Live Orders");
  });
});
