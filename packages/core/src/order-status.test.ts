import { describe, expect, it } from "vitest";
import { cancelRefusal, canTransition, isTerminal, nextStatuses } from "./order-status";
import { OrderStatus, type OrderStatus as Status } from "./protocol";

const all = Object.values(OrderStatus);

describe("status machine", () => {
  it("moves forward one step at a time and allows cancelling any non-terminal status", () => {
    const expected: Record<Status, Status[]> = {
      placed: ["confirmed", "cancelled"],
      confirmed: ["preparing", "cancelled"],
      preparing: ["ready", "cancelled"],
      ready: ["out_for_delivery", "cancelled"],
      out_for_delivery: ["delivered", "cancelled"],
      delivered: [],
      cancelled: [],
    };
    for (const from of all) expect(nextStatuses(from)).toEqual(expected[from]);
  });

  it("refuses every pair not in the table: skipping, going back, staying, leaving a terminal status", () => {
    const allowed = new Set(all.flatMap((from) => nextStatuses(from).map((to) => `${from}>${to}`)));
    let refused = 0;
    for (const from of all) {
      for (const to of all) {
        expect(canTransition(from, to)).toBe(allowed.has(`${from}>${to}`));
        if (!allowed.has(`${from}>${to}`)) refused += 1;
      }
    }
    expect(allowed.size).toBe(10);
    expect(refused).toBe(49 - 10);
    expect(canTransition("placed", "preparing")).toBe(false);
    expect(canTransition("ready", "preparing")).toBe(false);
    expect(canTransition("placed", "placed")).toBe(false);
  });

  it("knows delivered and cancelled are terminal", () => {
    expect(all.filter(isTerminal)).toEqual(["delivered", "cancelled"]);
  });
});

describe("cancel rules", () => {
  it("lets the customer cancel only while placed", () => {
    expect(cancelRefusal("placed", "customer")).toBeUndefined();
    for (const status of ["confirmed", "preparing", "ready", "out_for_delivery"] as const) {
      expect(cancelRefusal(status, "customer")).toMatch(/only while the order is placed/);
    }
  });

  it("lets staff cancel until delivered", () => {
    for (const status of ["placed", "confirmed", "preparing", "ready", "out_for_delivery"] as const) {
      expect(cancelRefusal(status, "staff")).toBeUndefined();
    }
    expect(cancelRefusal("delivered", "staff")).toBe("order is delivered");
    expect(cancelRefusal("cancelled", "staff")).toBe("order is cancelled");
  });
});
