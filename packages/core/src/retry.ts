/**
 * The one retry helper of the app: exponential backoff with per-attempt jitter, under named
 * policies, for the server (core, functions, connections) and the browser (web) alike. Pure
 * apart from timers, no Node or DOM APIs, so the web app imports it as it is.
 *
 * A policy says how long to wait before attempt `n` (1 = the first retry) and how many attempts
 * there are in all; `retry` runs an attempt until it succeeds, the policy is spent, or the error
 * is not worth retrying.
 */

export interface BackoffPolicy {
  /** Delay before the first retry (attempt 1). */
  minDelayMs: number;
  /** Upper bound of the un-jittered delay. */
  maxDelayMs: number;
  /** Growth per attempt. */
  factor: number;
  /**
   * Fraction of the delay that is randomised, 0..1: the delay is drawn from
   * `(base * (1 - jitter), base]`. 0 = deterministic, 1 = "full jitter" (AWS's recommendation
   * for many clients contending for one resource).
   */
  jitter: number;
  /** Attempts in all, the first included; `Infinity` for "until it works" (reconnects). */
  attempts: number;
}

/** The policies by what they retry; every retry in the app names one of these. */
export const RetryPolicy = {
  /** A browser reconnecting its WebSocket: spread out, never gives up. */
  reconnect: { minDelayMs: 500, maxDelayMs: 30_000, factor: 2, jitter: 0.5, attempts: Number.POSITIVE_INFINITY },
  /** A request the server refused for now (RATE_LIMITED, INTERNAL): its rate window is 10 s. */
  refusedRequest: { minDelayMs: 1_000, maxDelayMs: 10_000, factor: 2, jitter: 0.5, attempts: 3 },
  /** A REST read the client depends on (gap fill, catch-up): keeps trying, slowly. */
  backgroundRead: { minDelayMs: 2_000, maxDelayMs: 30_000, factor: 2, jitter: 0.5, attempts: Number.POSITIVE_INFINITY },
  /**
   * Writers racing for one order's next seq: short, fully jittered, many attempts, so a burst of
   * writers spreads out instead of colliding in lockstep.
   */
  seqRace: { minDelayMs: 10, maxDelayMs: 100, factor: 2, jitter: 1, attempts: 100 },
  /** BatchGetItem / BatchWriteItem unprocessed keys (DynamoDB's advice: back off and resend). */
  unprocessedItems: { minDelayMs: 25, maxDelayMs: 1_000, factor: 2, jitter: 0.5, attempts: 8 },
  /** The AWS SDK's standard retry mode: 3 attempts, full jitter on 100 ms, capped at 20 s. */
  sdkStandard: { minDelayMs: 100, maxDelayMs: 20_000, factor: 2, jitter: 1, attempts: 3 },
  /** One `@connections` post during a fan-out (throttling, 5xx, network). */
  fanOutPost: { minDelayMs: 50, maxDelayMs: 1_000, factor: 2, jitter: 0.5, attempts: 4 },
} as const satisfies Record<string, BackoffPolicy>;

/**
 * The delay before attempt `attempt` (0 = the first try, which never waits). Pure: `random`
 * (in [0, 1), like Math.random) is the only source of jitter, so tests can pin it.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  if (attempt <= 0) return 0;
  const base = Math.min(policy.maxDelayMs, policy.minDelayMs * policy.factor ** (attempt - 1));
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  return Math.round(base * (1 - jitter * random()));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface RetryOptions {
  policy: BackoffPolicy;
  /** Whether an error is worth another attempt; default: every error is. */
  retryable?: (error: unknown) => boolean;
  /** Told before each wait (logging, counting). */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  random?: () => number;
}

/**
 * Run `attempt` until it resolves; a rejection is retried after the policy's delay while the
 * policy has attempts left and the error is retryable, else it is thrown as is.
 */
export async function retry<T>(attempt: (attemptNumber: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { policy, retryable = () => true } = options;
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n + 1 >= policy.attempts || !retryable(error)) throw error;
      const delay = backoffDelay(n + 1, policy, options.random);
      options.onRetry?.(error, n + 1, delay);
      await sleep(delay);
    }
  }
}

/**
 * Run `attempt` until it returns a value; `undefined` means "not yet" (lost a race, items left
 * unprocessed) and is tried again after the policy's delay. Throws `exhausted()` when the policy
 * is spent.
 */
export async function retryUntilDefined<T>(
  attempt: (attemptNumber: number) => Promise<T | undefined>,
  options: { policy: BackoffPolicy; exhausted: () => Error; random?: () => number },
): Promise<T> {
  const { policy } = options;
  for (let n = 0; n < policy.attempts; n++) {
    if (n > 0) await sleep(backoffDelay(n, policy, options.random));
    const result = await attempt(n);
    if (result !== undefined) return result;
  }
  throw options.exhausted();
}
