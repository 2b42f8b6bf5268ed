import { beforeAll, describe, expect, it } from "vitest";
import { useTestTable } from "../test/helpers";
import { type DemoUser, seedDemoData } from "./demo-data";
import * as Order from "./order";

const users: DemoUser[] = [
  { userId: "alice-sub", email: "alice@example.com", role: "customer" },
  { userId: "bob-sub", email: "bob@example.com", role: "customer" },
  { userId: "staff-sub", email: "staff@example.com", role: "staff" },
];
const alice = { userId: "alice-sub", role: "customer" } as const;
const staff = { userId: "staff-sub", role: "staff" } as const;

beforeAll(async () => {
  await useTestTable("demo");
});

describe("seedDemoData", () => {
  it("gives each customer orders in several statuses with chat history, each with a gapless event history", async () => {
    await seedDemoData(users);
    const { orders } = await Order.list(alice, { limit: 100 });
    expect(orders).toHaveLength(5);
    expect(new Set(orders.map((o) => o.status))).toEqual(
      new Set(["placed", "preparing", "out_for_delivery", "delivered", "cancelled"]),
    );
    for (const order of orders) {
      const { events } = await Order.getWithEvents(alice, order.id);
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: order.seq }, (_, i) => i + 1));
      expect(events.some((e) => e.kind === "chat.message")).toBe(true);
    }
    expect((await Order.list({ userId: "bob-sub", role: "customer" }, {})).orders).toHaveLength(5);
    expect((await Order.list(staff, { limit: 100 })).orders).toHaveLength(10);
  });

  it("is idempotent: a second and a concurrent seed add nothing", async () => {
    const before = await Order.list(staff, { limit: 100 });
    await Promise.all([seedDemoData(users), seedDemoData(users)]);
    const after = await Order.list(staff, { limit: 100 });
    expect(after.orders.map((o) => [o.id, o.seq, o.version]).sort()).toEqual(
      before.orders.map((o) => [o.id, o.seq, o.version]).sort(),
    );
  });

  it("survives two seeds racing from an empty start", async () => {
    const fresh: DemoUser[] = [
      { userId: "carol-sub", email: "carol@example.com", role: "customer" },
      { userId: "staff-sub", email: "staff@example.com", role: "staff" },
    ];
    await Promise.all([seedDemoData(fresh), seedDemoData(fresh)]);
    const { orders } = await Order.list({ userId: "carol-sub", role: "customer" }, { limit: 100 });
    expect(orders.map((o) => o.status).sort()).toEqual([
      "cancelled",
      "delivered",
      "out_for_delivery",
      "placed",
      "preparing",
    ]);
    for (const order of orders) {
      const { events } = await Order.getWithEvents(staff, order.id);
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: order.seq }, (_, i) => i + 1));
      const statuses = events.flatMap((e) => (e.kind === "order.status" ? [e.status] : []));
      expect(new Set(statuses).size).toBe(statuses.length);
    }
  });
});
