import { afterEach, describe, expect, it, vi } from "vitest";
import { type BackoffPolicy, backoffDelay, RetryPolicy, retry, retryUntilDefined } from "./retry";

describe("backoffDelay", () => {
  const noJitter: BackoffPolicy = { ...RetryPolicy.reconnect, jitter: 0 };

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
    expect(backoffDelay(attempt, noJitter, () => 0.5)).toBe(expected);
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
    expect(backoffDelay(attempt, RetryPolicy.reconnect, () => random)).toBe(expected);
  });

  it("never waits before the first try, whatever the jitter", () => {
    expect(backoffDelay(0, { ...RetryPolicy.reconnect, jitter: 1 }, () => 0.99)).toBe(0);
  });

  it("with full jitter spreads delays over (0, base]", () => {
    const full = { ...RetryPolicy.reconnect, jitter: 1 };
    expect(backoffDelay(4, full, () => 0)).toBe(4_000);
    expect(backoffDelay(4, full, () => 0.75)).toBe(1_000);
  });

  it("draws a fresh random number per attempt, so clients dropped together spread out", () => {
    const randoms = [0.1, 0.9];
    const delays = randoms.map((r) => backoffDelay(2, RetryPolicy.reconnect, () => r));
    expect(delays).toEqual([950, 550]);
  });

  it.each(Object.entries(RetryPolicy))("policy %s waits at most its maximum", (_name, policy) => {
    for (let attempt = 1; attempt < 30; attempt++) {
      const delay = backoffDelay(attempt, policy, () => 0);
      expect(delay).toBeGreaterThan(0);
      expect(delay).toBeLessThanOrEqual(policy.maxDelayMs);
    }
  });
});

describe("retry", () => {
  afterEach(() => vi.useRealTimers());
  const quick: BackoffPolicy = { minDelayMs: 1, maxDelayMs: 1, factor: 1, jitter: 0, attempts: 3 };

  it("returns the first success after retrying failures, with the delays of the policy", async () => {
    const retries: [number, number][] = [];
    let calls = 0;
    const result = await retry(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error(`failure ${calls}`);
        return "done";
      },
      { policy: quick, onRetry: (_error, attempt, delay) => retries.push([attempt, delay]) },
    );
    expect(result).toBe("done");
    expect(retries).toEqual([
      [1, 1],
      [2, 1],
    ]);
  });

  it("throws the last error once the policy's attempts are spent", async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls += 1;
          throw new Error(`failure ${calls}`);
        },
        { policy: quick },
      ),
    ).rejects.toThrow("failure 3");
    expect(calls).toBe(3);
  });

  it("does not retry an error that is not retryable", async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls += 1;
          throw new Error("no");
        },
        { policy: quick, retryable: () => false },
      ),
    ).rejects.toThrow("no");
    expect(calls).toBe(1);
  });
});

describe("retryUntilDefined", () => {
  const quick: BackoffPolicy = { minDelayMs: 1, maxDelayMs: 1, factor: 1, jitter: 0, attempts: 4 };

  it("tries again while the attempt answers undefined", async () => {
    const answers = [undefined, undefined, 7];
    expect(
      await retryUntilDefined(async (n) => answers[n], { policy: quick, exhausted: () => new Error("spent") }),
    ).toBe(7);
  });

  it("throws the policy's exhaustion error after its attempts", async () => {
    let calls = 0;
    await expect(
      retryUntilDefined(
        async () => {
          calls += 1;
          return undefined;
        },
        { policy: quick, exhausted: () => new Error("spent") },
      ),
    ).rejects.toThrow("spent");
    expect(calls).toBe(4);
  });
});
