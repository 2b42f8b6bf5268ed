import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest, TestSocket } from "./clients";
import { startTestStack, type TestStack } from "./stack";

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe("live order status", () => {
  it("pushes a status change made over REST to the customer's socket", async () => {
    const aliceToken = await stack.token("alice@example.com");
    const staffToken = await stack.token("staff@example.com");
    const created = await rest(stack.api, aliceToken).createOrder();
    expect(created.status).toBe(201);
    const socket = await TestSocket.open(stack.ws, aliceToken);
    const subscribed = await socket.request({ action: "subscribe", topic: `order:${created.body.id}` });
    expect(subscribed).toMatchObject({ type: "subscribed", topic: `order:${created.body.id}`, seq: 1 });
    const changed = await rest(stack.api, staffToken).setStatus(created.body.id, "confirmed", 1);
    expect(changed.status).toBe(200);
    const pushed = await socket.waitForEvent(`order:${created.body.id}`, 2);
    expect(pushed.event).toMatchObject({ kind: "order.status", from: "placed", status: "confirmed" });
    await socket.close();
  });
});
