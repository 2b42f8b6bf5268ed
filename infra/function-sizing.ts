/**
 * Architecture, memory and timeout of every Lambda function, chosen per function; nothing runs
 * on SST's defaults (x86_64, 1024 MB, 20 s). Pure data (no SST globals), so the bench's cost
 * model can read the same figures it bills.
 *
 * Keyed by route key (and by role for the authorizer and the stream subscriber), not by handler
 * path: the keys are the API's contract and outlive a move of the handler files. The tables are
 * typed against the route table, so a route without an entry here (or an entry without a route)
 * fails the type-check of infra/.
 *
 * Architecture: arm64 everywhere. The handlers are plain JavaScript with no native module, so
 * they run unchanged on Graviton, whose GB-second costs about a fifth less than x86_64's.
 *
 * Memory buys CPU (Lambda allots CPU in proportion, a full vCPU at 1769 MB). The figures below
 * are reasoned starting points; their measurement on AWS (Lambda Power Tuning) belongs in
 * docs/deploy.md, "Function sizes".
 *
 * Timeouts are derived from the retry budgets the code runs under (core/retry.ts policies and
 * the `@connections` transport's per-attempt timeout), so a change of a policy moves them.
 */
import { transportDefaults } from "@live-orders/connections/transport-settings";
import { type BackoffPolicy, backoffDelay, RetryPolicy } from "@live-orders/core/retry";
import {
  type HttpRouteKey,
  streamSubscriber,
  type WebSocketRouteKey,
  webSocketApi,
} from "@live-orders/functions/routes";

const streamSubscriberName: string = streamSubscriber.name;
const authorizerName: string = webSocketApi.authorizer.name;

export interface FunctionSizing {
  architecture: "arm64" | "x86_64";
  memoryMb: number;
  timeoutSeconds: number;
}

/** The longest a policy can wait between its attempts in all: every delay at its un-jittered maximum. */
export function worstCaseBackoffSeconds(policy: BackoffPolicy): number {
  let totalMs = 0;
  for (let attempt = 1; attempt < policy.attempts; attempt++) totalMs += backoffDelay(attempt, policy, () => 0);
  return totalMs / 1000;
}

/**
 * One attempt of a `@connections` request waits at most this long for its response: the
 * transport's per-attempt timeout, from its one source (packages/connections
 * transport-settings.ts), which infra/connections-transport.ts also hands to each function.
 */
export const connectionsAttemptTimeoutSeconds = transportDefaults.attemptTimeoutMs / 1000;

/**
 * One `@connections` call, worst case: the transport retries throttling, 5xx and network
 * errors the SDK's standard way (RetryPolicy.sdkStandard), each attempt up to its timeout.
 *   attempts × per-attempt timeout + worst backoff  =  3 × 3 s + 0.3 s  =  9.3 s
 */
export const connectionsCallBudgetSeconds =
  RetryPolicy.sdkStandard.attempts * connectionsAttemptTimeoutSeconds +
  worstCaseBackoffSeconds(RetryPolicy.sdkStandard);

/**
 * One subscriber during a fan-out, worst case: the fan-out retries a failed call
 * (RetryPolicy.fanOutPost) around the transport's own retries.
 *   fan-out attempts × call budget + worst backoff  =  4 × 9.3 s + 0.35 s  =  37.55 s
 * (3 s per attempt × 3 transport attempts × 4 fan-out attempts, plus the waits between them.)
 */
export const fanOutSubscriberBudgetSeconds =
  RetryPolicy.fanOutPost.attempts * connectionsCallBudgetSeconds + worstCaseBackoffSeconds(RetryPolicy.fanOutPost);

/** Writers racing for an order's next seq wait at most this long (RetryPolicy.seqRace). */
export const seqRaceBudgetSeconds = worstCaseBackoffSeconds(RetryPolicy.seqRace);

const arm64 = (memoryMb: number, timeoutSeconds: number): FunctionSizing => ({
  architecture: "arm64",
  memoryMb,
  timeoutSeconds: Math.ceil(timeoutSeconds),
});

/**
 * The stream subscriber. Timeout: one subscriber's whole retry budget plus 15 s for the rest
 * of a record (the topic's subscriber Queries, the cleanup of gone connections, the partial
 * batch report). So a record whose stalled subscribers fit in one wave of the post pool always
 * finishes inside one invocation and is reported as a failed item, instead of the timeout
 * failing every record of the batch; a batch holding several stalled records times out, is
 * bisected (infra/fan-out.ts) and converges on single records that fit.
 * Memory: 512 MB, the upper end of the 256–512 MB band issue 15 found best for cost × latency:
 * every post is signed (HMAC work) and the last subscriber's latency grows with CPU time.
 */
export const fanOutSizing = arm64(512, fanOutSubscriberBudgetSeconds + 15);

/**
 * The `$connect` authorizer: verifies one token (or redeems one ticket) on the connect path.
 * Small, but 256 MB rather than 128: the handshake waits on its cold start (module load, TLS to
 * the JWKS or the table), which a 128 MB CPU share slows down. 5 s bounds a stuck JWKS fetch
 * well inside API Gateway's 29 s.
 */
export const authorizerSizing = arm64(256, 5);

/**
 * WebSocket routes. Those that reply post through `@connections`, so their timeout covers one
 * reply's full call budget plus their own work: a reply to a stalled connection then fails as an
 * error of this invocation rather than as a timeout. The Lambda may outlive API Gateway's 29 s
 * integration timeout: replies go through `@connections`, not through the integration response.
 */
/** API Gateway's integration timeout (WebSocket and HTTP APIs): what a client waits at most. */
export const apiGatewayIntegrationTimeoutSeconds = 29;

export const webSocketSizing = {
  // Takes a slot of the user's connection cap and stores the connection; when every slot is
  // taken it asks `@connections` (GET, in parallel) which of them are still live, so its timeout
  // covers one call's budget. API Gateway holds the upgrade until it returns (at most 29 s).
  // The first staff connection tells the customers staff are online (a `presence` fan-out),
  // whose worst case (one stalled subscriber's retries) is longer than the upgrade can wait: held
  // to API Gateway's 29 s, since past it the handshake has failed anyway. A presence push cut
  // short heals itself: customers ask again at `staffOnlineUntil` (presence.ts).
  $connect: arm64(
    256,
    Math.min(
      apiGatewayIntegrationTimeoutSeconds,
      Math.max(connectionsCallBudgetSeconds, fanOutSubscriberBudgetSeconds) + 5,
    ),
  ),
  // Deletes the connection and its subscriptions; BatchWrite retries of unprocessed items
  // (RetryPolicy.unprocessedItems), and for the last staff connection the `presence` fan-out to
  // customers (one subscriber's budget), run side by side.
  $disconnect: arm64(
    256,
    Math.max(worstCaseBackoffSeconds(RetryPolicy.unprocessedItems), fanOutSubscriberBudgetSeconds) + 5,
  ),
  // Counts the frame against its user's limit, then answers it with one error frame.
  $default: arm64(256, connectionsCallBudgetSeconds + 5),
  // Replays every event after `since`, one post per event, before the live ones: the heaviest
  // WebSocket route (Query pages, JSON per event), hence the memory and 20 s for the replay.
  subscribe: arm64(512, connectionsCallBudgetSeconds + 20),
  unsubscribe: arm64(256, connectionsCallBudgetSeconds + 5),
  // Commits the chat event in the seq race, then acks.
  sendMessage: arm64(256, seqRaceBudgetSeconds + connectionsCallBudgetSeconds + 5),
  // The heartbeat: the most invoked function of all (every connection, every few minutes), so
  // its GB-seconds count most; small work, one reply.
  ping: arm64(256, connectionsCallBudgetSeconds + 5),
  // One order read, then a post to each of the order's other subscribers (a handful): one
  // subscriber's fan-out budget bounds it.
  typing: arm64(256, fanOutSubscriberBudgetSeconds + 5),
  // The order read, the position's write, then the `read` frame to the order and the reader's
  // feed (`orders`: every staff connection): one subscriber's fan-out budget.
  markRead: arm64(256, fanOutSubscriberBudgetSeconds + 5),
} as const satisfies Record<WebSocketRouteKey, FunctionSizing>;

/** API Gateway HTTP API's maximum integration timeout. */
export const httpIntegrationTimeoutSeconds = 30;

/**
 * REST routes. API Gateway's HTTP API gives up on an integration after 30 s, so no timeout
 * may exceed it (a Lambda still running then is billed for an answer nobody reads).
 * Reads serialise whole pages of items (CPU in proportion to the page): 512 MB. Writes are one
 * validated transaction, bound by DynamoDB's latency rather than CPU: 256 MB; their timeout
 * covers the seq race.
 */
export const httpSizing = {
  // A constant answer.
  "GET /menu": arm64(256, 5),
  "POST /orders": arm64(256, seqRaceBudgetSeconds + 5),
  "GET /orders": arm64(512, 10),
  "GET /orders/{id}": arm64(512, 10),
  "GET /orders/{id}/events": arm64(512, 10),
  "PATCH /orders/{id}/status": arm64(256, seqRaceBudgetSeconds + 5),
  "POST /orders/{id}/cancel": arm64(256, seqRaceBudgetSeconds + 5),
  // An `order.eta` event in the seq race, like a status change.
  "PATCH /orders/{id}/eta": arm64(256, seqRaceBudgetSeconds + 5),
  // Two writes: the ticket limit's counter and the ticket.
  "POST /realtime/tickets": arm64(256, 5),
  // Sign-out: a DELETE per connection of the user (at most 10, in parallel), each up to a
  // `@connections` call's budget, which is above the HTTP API's 30 s: the most the API waits.
  "DELETE /realtime/connections": arm64(256, httpIntegrationTimeoutSeconds),
} as const satisfies Record<HttpRouteKey, FunctionSizing>;

/** The sizing of a function by its key in the route table (`appFunctions()`): what the bench's cost model bills. */
export function sizingOf(key: string): FunctionSizing {
  if (key === streamSubscriberName) return fanOutSizing;
  if (key === authorizerName) return authorizerSizing;
  const sizing =
    (webSocketSizing as Record<string, FunctionSizing>)[key] ?? (httpSizing as Record<string, FunctionSizing>)[key];
  if (sizing === undefined) throw new Error(`no sizing for function ${key} (infra/function-sizing.ts)`);
  return sizing;
}
