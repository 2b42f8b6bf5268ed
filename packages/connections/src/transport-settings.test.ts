import { fanOutLimits } from "@live-orders/core/config";
import { topicsOfEvent } from "@live-orders/core/fanout";
import { describe, expect, it } from "vitest";
import { topicsPerEvent, transportDefaults } from "./transport-settings";

describe("transportDefaults", () => {
  it("hold a connection for every post the fan-out has in flight, and do not pipeline", () => {
    const event = { kind: "chat.message", orderId: "o1", customerId: "c1", seq: 1 } as Parameters<
      typeof topicsOfEvent
    >[0];

    expect(topicsPerEvent).toBe(topicsOfEvent(event).length);
    expect(transportDefaults.connections).toBe(fanOutLimits.concurrency * topicsOfEvent(event).length);
    expect(transportDefaults.pipelining).toBe(1);
    expect(transportDefaults.attemptTimeoutMs).toBeGreaterThanOrEqual(2_000);
    expect(transportDefaults.attemptTimeoutMs).toBeLessThanOrEqual(3_000);
  });
});
