import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConformanceTarget, startConformanceTarget } from "./target";
import { TestClient } from "./ws-client";

/**
 * A Lambda integration throttled at its reserved concurrency (1 here). API Gateway does not pass
 * Lambda's 429 `TooManyRequestsException` on: the call fails as any integration failure does
 * (AWS Knowledge Center, "How do I troubleshoot issues for API Gateway endpoints that integrate
 * with Lambda?": throttling → "Internal server error").
 */
let target: ConformanceTarget;
beforeAll(async () => {
  target = await startConformanceTarget();
});
afterAll(() => target?.close());

/** Long enough after the first call for it to hold the function's one slot, well before it ends. */
const headStartMs = () => target.throttled.slowMs / 4;

describe("a throttled Lambda integration", () => {
  it('answers the HTTP request past the reserved concurrency with 500 {"message":"Internal Server Error"}', async () => {
    const first = fetch(`${target.throttled.httpUrl}/slow`);
    await new Promise((resolve) => setTimeout(resolve, headStartMs()));

    const past = await fetch(`${target.throttled.httpUrl}/slow`);
    const within = await first;

    expect([past.status, await past.json()]).toEqual([500, { message: "Internal Server Error" }]);
    expect([within.status, await within.text()]).toEqual([200, "done"]);
  });

  it("answers the WebSocket message past it with API Gateway's Internal server error frame, and keeps the connection", async () => {
    const client = await TestClient.connect(target.throttled.wsUrl, { ticket: "allow" });

    client.send({ action: "slow" });
    await new Promise((resolve) => setTimeout(resolve, headStartMs()));
    client.send({ action: "slow" });
    const frame = await client.next((f) => f?.message !== undefined, target.throttled.slowMs * 2);
    // The first call completes (its route result is not sent): only one error frame, for the second.
    const more = await client.collect((f) => f?.message !== undefined, target.throttled.slowMs);

    expect(frame).toEqual({
      message: "Internal server error",
      connectionId: expect.any(String),
      requestId: expect.any(String),
    });
    expect(more).toEqual([]);
    expect(client.socket.readyState).toBe(client.socket.OPEN);
    await client.close();
  });
});
