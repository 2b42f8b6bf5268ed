import { describe, expect, it } from "vitest";
import { trafficSummary } from "./traffic-summary";

describe("trafficSummary", () => {
  const at = new Date(2026, 11, 2, 14, 5);

  it("says what the last minute delivered and what failed", () => {
    const line = trafficSummary(
      { posts: { 200: 10, 410: 1 }, failuresWaiting: 0 },
      { posts: { 200: 1530, 410: 4, 403: 2, 500: 1 }, failuresWaiting: 1 },
      at,
    );
    expect(line).toBe(
      "[14:05] last minute: 1520 posts delivered, 3 to gone connections, 3 failed; " +
        "1 stream range(s) given up (1 waiting for npm run replay-fan-out -- --local)",
    );
  });

  it("says nothing for a quiet minute", () => {
    const sample = { posts: { 200: 7 }, failuresWaiting: 2 };
    expect(trafficSummary(sample, sample, at)).toBeUndefined();
  });

  it("counts from zero again after the gateway restarted (its meters start over)", () => {
    const line = trafficSummary(
      { posts: { 200: 500 }, failuresWaiting: 0 },
      { posts: { 200: 20 }, failuresWaiting: 0 },
      at,
    );
    expect(line).toMatch(/^\[14:05\] last minute: 20 posts delivered, 0 to gone connections, 0 failed;/);
  });
});
