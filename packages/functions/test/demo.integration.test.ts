import { type AppStack, startAppStack } from "@live-orders/local/testing/app-stack";
import { runEmulators } from "@live-orders/local/testing/run-emulators";
import { createOrdersApi } from "@live-orders/web/realtime/orders-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let stack: AppStack;
const ordersApiOf = (email: string) => createOrdersApi(stack.clientOptions(email));

beforeAll(async () => {
  stack = await startAppStack({ ...runEmulators(), seed: true });
});
afterAll(async () => {
  await stack?.stop();
});

describe("demo data on the local stack", () => {
  it("gives each demo customer orders in several statuses with chat, and staff sees them all", async () => {
    const alice = ordersApiOf("alice@example.com");
    const { orders } = await alice.listOrders();
    expect(orders.length).toBeGreaterThanOrEqual(4);
    expect(new Set(orders.map((o) => o.status)).size).toBeGreaterThanOrEqual(4);
    const withChat = await Promise.all(
      orders.map(async (o) => (await alice.getOrder(o.id)).events.some((e) => e.kind === "chat.message")),
    );
    expect(withChat.every(Boolean)).toBe(true);
    const bob = (await ordersApiOf("bob@example.com").listOrders()).orders;
    expect(bob.length).toBe(orders.length);
    const board = (await ordersApiOf("staff@example.com").listOrders({ limit: 100 })).orders;
    expect(board.length).toBe(orders.length + bob.length);
  });
});
