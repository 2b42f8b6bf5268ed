/**
 * Reconnect backoff: exponential growth capped at a maximum, with per-attempt jitter so that a
 * thousand clients cut off by one gateway restart do not all come back in the same millisecond.
 */

export interface BackoffOptions {
  /** Delay before the first retry (attempt 1). */
  minDelayMs: number;
  /** Upper bound of the un-jittered delay. */
  maxDelayMs: number;
  /** Growth per attempt. */
  factor: number;
  /**
   * Fraction of the delay that is randomised, 0..1: the delay is drawn from
   * `(base * (1 - jitter), base]`. 0 = deterministic, 1 = "full jitter".
   */
  jitter: number;
}

export const defaultBackoff: BackoffOptions = {
  minDelayMs: 500,
  maxDelayMs: 30_000,
  factor: 2,
  jitter: 0.5,
};

/**
 * The delay before connection attempt `attempt` (0 = the first connect, which never waits).
 * Pure: `random` (in [0, 1), like Math.random) is the only source of jitter, so tests can pin it.
 */
export function nextDelay(
  attempt: number,
  options: BackoffOptions = defaultBackoff,
  random: () => number = Math.random,
): number {
  if (attempt <= 0) return 0;
  const base = Math.min(options.maxDelayMs, options.minDelayMs * options.factor ** (attempt - 1));
  const jitter = Math.min(1, Math.max(0, options.jitter));
  return Math.round(base * (1 - jitter * random()));
}
