import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest } from "./clients";
import { startTestStack, type TestStack } from "./stack";

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ seed: true });
});
afterAll(async () => {
  await stack?.stop();
});

describe("demo data on the local stack", () => {
  it("gives each demo customer orders in several statuses with chat, and staff sees them all", async () => {
    const alice = rest(stack.api, await stack.token("alice@example.com"));
    const { orders } = (await alice.listOrders()).body;
    expect(orders.length).toBeGreaterThanOrEqual(4);
    expect(new Set(orders.map((o) => o.status)).size).toBeGreaterThanOrEqual(4);
    const withChat = await Promise.all(orders.map(async (o) => (await alice.getOrder(o.id)).body.events.some((e) => e.kind === "chat.message")));
    expect(withChat.every(Boolean)).toBe(true);
    const bob = (await rest(stack.api, await stack.token("bob@example.com")).listOrders()).body.orders;
    expect(bob.length).toBe(orders.length);
    const board = (await rest(stack.api, await stack.token("staff@example.com")).listOrders("?limit=100")).body.orders;
    expect(board.length).toBe(orders.length + bob.length);
  });
});
