import { describe, expect, it } from "vitest";
import { type BackoffOptions, defaultBackoff, nextDelay } from "./backoff";

describe("nextDelay", () => {
  const noJitter: BackoffOptions = { minDelayMs: 500, maxDelayMs: 30_000, factor: 2, jitter: 0 };

  it.each([
    [0, 0],
    [1, 500],
    [2, 1_000],
    [3, 2_000],
    [4, 4_000],
    [5, 8_000],
    [6, 16_000],
    [7, 30_000],
    [20, 30_000],
  ])("grows exponentially and caps: attempt %i → %i ms", (attempt, expected) => {
    expect(nextDelay(attempt, noJitter, () => 0.5)).toBe(expected);
  });

  it.each([
    // attempt, random, expected with jitter 0.5: base * (1 - 0.5 * random)
    [1, 0, 500],
    [1, 0.5, 375],
    [1, 0.999, 250],
    [3, 0, 2_000],
    [3, 0.5, 1_500],
    [3, 0.999, 1_001],
    [10, 0, 30_000],
    [10, 0.5, 22_500],
    [10, 0.999, 15_015],
  ])("jitters each attempt within (base/2, base]: attempt %i, random %f → %i ms", (attempt, random, expected) => {
    expect(nextDelay(attempt, defaultBackoff, () => random)).toBe(expected);
  });

  it("never waits before the first connect, whatever the jitter", () => {
    expect(nextDelay(0, { ...defaultBackoff, jitter: 1 }, () => 0.99)).toBe(0);
  });

  it("with full jitter spreads delays over (0, base]", () => {
    const full = { ...defaultBackoff, jitter: 1 };
    expect(nextDelay(4, full, () => 0)).toBe(4_000);
    expect(nextDelay(4, full, () => 0.75)).toBe(1_000);
  });

  it("draws a fresh random number per attempt, so clients dropped together spread out", () => {
    const randoms = [0.1, 0.9];
    const delays = randoms.map((r) => nextDelay(2, defaultBackoff, () => r));
    expect(delays).toEqual([950, 550]);
  });
});
