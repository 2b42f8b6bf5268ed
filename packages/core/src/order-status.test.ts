import { describe, expect, it } from "vitest";
import {
  canCancel,
  cancelRefusal,
  canTransition,
  forwardStatus,
  isTerminal,
  nextStatuses,
  orderStatuses,
  stepTowards,
} from "./order-status";
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

describe("forwardStatus", () => {
  // Moved from the web app's order-state.test.ts (`nextStatus`), whose rule now lives here.
  it.each([
    ["placed", "confirmed"],
    ["confirmed", "preparing"],
    ["preparing", "ready"],
    ["ready", "out_for_delivery"],
    ["out_for_delivery", "delivered"],
    ["delivered", undefined],
    ["cancelled", undefined],
  ] as const)("%s → %s", (from, to) => {
    expect(forwardStatus(from)).toBe(to);
  });

  it("lists every status once, the forward path first", () => {
    expect(orderStatuses).toEqual([
      "placed",
      "confirmed",
      "preparing",
      "ready",
      "out_for_delivery",
      "delivered",
      "cancelled",
    ]);
    expect(new Set(orderStatuses)).toEqual(new Set(all));
  });
});

describe("stepTowards", () => {
  it("walks the forward path one step at a time, and cancels in one step", () => {
    const walk = (target: Status) => {
      const path: Status[] = [];
      for (let status: Status | undefined = "placed"; status !== undefined; status = stepTowards(status, target))
        path.push(status);
      return path;
    };
    expect(walk("out_for_delivery")).toEqual(["placed", "confirmed", "preparing", "ready", "out_for_delivery"]);
    expect(walk("placed")).toEqual(["placed"]);
    expect(walk("cancelled")).toEqual(["placed", "cancelled"]);
    expect(stepTowards("ready", "confirmed")).toBeUndefined();
    expect(stepTowards("delivered", "cancelled")).toBeUndefined();
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

  it("canCancel says the same as cancelRefusal", () => {
    for (const status of all)
      for (const role of ["customer", "staff"] as const)
        expect(canCancel(status, role)).toBe(cancelRefusal(status, role) === undefined);
  });
});
