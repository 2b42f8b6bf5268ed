/**
 * How the lean `@connections` client talks to API Gateway by default: the one source of these
 * values. Pure data (no side effects), so infra/ reads it too: `infra/function-sizing.ts` derives
 * the functions' timeouts from `attemptTimeoutMs`, and `infra/function.ts` hands the settings to
 * every function that posts as configuration (`LIVE_ORDERS_CONNECTIONS_*`, read in
 * packages/functions/src/config.ts), where a function may opt in to pipelining.
 *
 * The defaults are what runs on AWS: what the AWS SDK itself does, and nothing AWS does not
 * document. No AWS SDK pipelines HTTP/1.1 (v3's NodeHttpHandler sends one request per socket),
 * and nothing documents how execute-api treats pipelined requests: a server that answers
 * pipelined requests concurrently and closes the connection early executes the requests behind
 * the close twice once they are sent again (packages/connections/test/tls-servers.test.ts
 * measures it). So one request is in flight per connection, on a keep-alive pool wide enough
 * for the fan-out's concurrency.
 */
import { fanOutLimits } from "@live-orders/core/config";

/**
 * The topics an order event is fanned out to at once (core/fanout.ts `topicsOfEvent`: the order's
 * room, the staff feed and the customer's feed), each with `fanOutLimits.concurrency` posts in flight.
 * transport-settings.test.ts holds this to `topicsOfEvent`, so a new topic cannot leave the pool
 * short.
 */
export const topicsPerEvent = 3;

export const transportDefaults = {
  /**
   * Keep-alive connections to the endpoint at most: one per post the fan-out has in flight, so
   * no post waits for a connection while the fan-out runs at its concurrency.
   */
  connections: fanOutLimits.concurrency * topicsPerEvent,
  /**
   * Requests in flight on one connection: 1, no HTTP/1.1 pipelining. Higher is an opt-in per
   * function (`LIVE_ORDERS_CONNECTIONS_PIPELINING`, set from infra/), unmeasured against AWS.
   */
  pipelining: 1,
  /**
   * One attempt waits this long for its response. A post answers in tens of milliseconds; 3 s
   * lets a black-holed connection cost seconds, not the 10 s × 3 × 4 of the old default, and
   * every function's timeout follows from it (infra/function-sizing.ts).
   */
  attemptTimeoutMs: 3_000,
  /**
   * An idle connection is closed after this long, measured on the wall clock when it is next
   * wanted, so a connection kept across a Lambda freeze (timers do not run while frozen) is not
   * reused after the peer may have dropped it. Long enough that sparse traffic (an event every
   * few seconds) keeps its TLS connections warm.
   */
  idleTimeoutMs: 30_000,
} as const;

export interface TransportSettings {
  /** Keep-alive connections at most. */
  connections: number;
  /** Requests in flight per connection (1 = no pipelining). */
  pipelining: number;
  /** Per-attempt timeout in milliseconds. */
  attemptTimeoutMs: number;
}

/**
 * The environment variables that carry `TransportSettings` from infra/ to a function (read by
 * packages/functions/src/config.ts); unset means the default.
 */
export const TransportEnv = {
  connections: "LIVE_ORDERS_CONNECTIONS_POOL",
  pipelining: "LIVE_ORDERS_CONNECTIONS_PIPELINING",
  attemptTimeoutMs: "LIVE_ORDERS_CONNECTIONS_ATTEMPT_TIMEOUT_MS",
} as const satisfies Record<keyof TransportSettings, string>;
