/**
 * Fan-out: push one frame to every connection subscribed to a topic.
 *  - subscribers come from a paginated Query of the topic's partition (never a Scan of all
 *    connections), the next page read while the current one is posted;
 *  - posts run with bounded concurrency (no unbounded Promise.all over thousands of sockets);
 *  - `GoneException` (recognised by NAME: SDK v3 sets no `statusCode`) means that connection is
 *    closed: delete THAT connection and its subscriptions, not the sender's;
 *  - throttling, 5xx and network errors are retried (`RetryPolicy.fanOutPost`); still failing
 *    after that, the connection counts as `failed`, and so does a refusal of our credentials or
 *    permissions (403 `ForbiddenException`, `InvalidSignatureException`…), which no post retry
 *    mends but a retry of the whole record may (credentials rotate) — and which, if it lasts,
 *    must reach the failure queue, not pass as a delivery problem of one connection;
 *  - other client errors (payload too large, a bad request) concern that connection's post
 *    alone and are dropped for it;
 *  - one bad connection never fails the rest: every outcome is counted, nothing is thrown for a
 *    single connection.
 */

import { type AttributeMap, unmarshall } from "./attribute-values";
import { fanOutLimits } from "./config";
import { removeConnection } from "./connection-cleanup";
import { type ConnectionsApi, encodeFrame } from "./connections-api";
import { isErrorNamed } from "./errors";
import type { EventItem } from "./events";
import { allOrdersTopic, customerTopic, orderTopic } from "./keys";
import type { OrderEvent, ServerFrame, Topic } from "./protocol";
import { type BackoffPolicy, RetryPolicy, retry } from "./retry";
import { subscribersOfTopic } from "./subscription";

export interface FanOutCounts {
  topic: Topic;
  subscribers: number;
  delivered: number;
  /** Connections that answered 410 and were removed. */
  gone: number;
  /** Connections whose post was refused for itself (payload too large, bad request): not removed, not retried. */
  dropped: number;
  /**
   * Connections still failing after every retry, or refused for our credentials or permissions:
   * the caller fails the record, to be redelivered whole (subscribers that had it drop it by seq).
   */
  failed: number;
}

export interface FanOutOptions {
  /** Where the subscribers come from; the DynamoDB Query by default. */
  subscribers?: (topic: Topic) => AsyncIterable<string[]>;
  /** What to do with a connection that is gone; delete it and its subscriptions by default. */
  onGone?: (connectionId: string) => Promise<unknown>;
  concurrency?: number;
  /** Retries of one post; `RetryPolicy.fanOutPost` by default. */
  policy?: BackoffPolicy;
  /** Called for every connection that did not get the frame (logging). */
  onFailure?: (connectionId: string, error: unknown, outcome: "gone" | "dropped" | "failed") => void;
}

const retryableNames = new Set([
  "LimitExceededException",
  "TooManyRequestsException",
  "ThrottlingException",
  "InternalServerErrorException",
  "ServiceUnavailableException",
  "TimeoutError",
]);

/**
 * Refusals of the caller rather than of the connection: a credential or IAM problem (expired or
 * rotated keys, a missing `execute-api:ManageConnections`, a signature the endpoint rejects).
 * Every post of the fan-out fails the same way, so they fail the record instead of being dropped.
 */
const callerRefusedNames = new Set([
  "ForbiddenException",
  "InvalidSignatureException",
  "AccessDeniedException",
  "UnrecognizedClientException",
  "ExpiredTokenException",
  "IncompleteSignatureException",
  "MissingAuthenticationTokenException",
]);

export function isCallerRefused(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return callerRefusedNames.has((error as { name?: string }).name ?? "") || status === 401 || status === 403;
}

/** What a post that failed after its retries means for the fan-out. */
export function failureOutcome(error: unknown): "gone" | "dropped" | "failed" {
  if (isErrorNamed(error, "GoneException")) return "gone";
  if (isRetryable(error) || isCallerRefused(error)) return "failed";
  return "dropped";
}

/** Throttling, server errors and errors without an HTTP response (network) are worth retrying. */
export function isRetryable(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return true;
  const name = (error as { name?: string }).name ?? "";
  if (retryableNames.has(name)) return true;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (status === undefined) return !name.endsWith("Exception");
  return status === 429 || status >= 500;
}

/**
 * Run `work` over every item of `pages` with at most `limit` in flight, as one pool: the next
 * page is read while the current one is worked through (at most `readAhead` items wait), so no
 * page boundary leaves the pool draining. A failed page read fails the whole run, after the
 * items already started have finished.
 */
async function eachOfPagesBounded<T>(
  pages: AsyncIterable<T[]>,
  limit: number,
  readAhead: number,
  work: (item: T) => Promise<void>,
  onPage: (page: T[]) => void,
): Promise<void> {
  const iterator = pages[Symbol.asyncIterator]();
  let queue: T[] = [];
  let head = 0;
  let exhausted = false;
  let readError: unknown;
  let reading: Promise<void> | undefined;
  const read = (): Promise<void> =>
    (reading ??= iterator.next().then(
      ({ value, done }) => {
        reading = undefined;
        if (done) {
          exhausted = true;
          return;
        }
        onPage(value);
        queue.push(...value);
        if (queue.length - head < readAhead) void read();
      },
      (error: unknown) => {
        reading = undefined;
        exhausted = true;
        readError = error;
      },
    ));
  const worker = async () => {
    for (;;) {
      if (head === queue.length) {
        if (exhausted) return;
        await read();
        continue;
      }
      const item = queue[head++] as T;
      if (head > 1024) {
        queue = queue.slice(head);
        head = 0;
      }
      if (!exhausted && queue.length - head < readAhead) void read();
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  if (readError !== undefined) throw readError;
}

export async function fanOut(
  connections: ConnectionsApi,
  topic: Topic,
  frame: ServerFrame,
  options: FanOutOptions = {},
): Promise<FanOutCounts> {
  const subscribers = options.subscribers ?? ((t: Topic) => subscribersOfTopic(t, fanOutLimits.pageSize));
  const onGone = options.onGone ?? removeConnection;
  const concurrency = options.concurrency ?? fanOutLimits.concurrency;
  const policy = options.policy ?? RetryPolicy.fanOutPost;
  const data = encodeFrame(frame);
  const counts: FanOutCounts = { topic, subscribers: 0, delivered: 0, gone: 0, dropped: 0, failed: 0 };

  const deliver = async (connectionId: string): Promise<void> => {
    try {
      await retry(() => connections.post(connectionId, data), { policy, retryable: isRetryable });
      counts.delivered += 1;
    } catch (error) {
      const outcome = failureOutcome(error);
      counts[outcome] += 1;
      options.onFailure?.(connectionId, error, outcome);
      if (outcome === "gone") {
        // A failed cleanup must not fail the fan-out: TTL removes the items later anyway.
        await onGone(connectionId).catch((cleanupError: unknown) =>
          options.onFailure?.(connectionId, cleanupError, "gone"),
        );
      }
    }
  };

  // Pages flow into one pool of posts: neither the Queries nor the page boundaries add up in
  // front of the posts.
  await eachOfPagesBounded(subscribers(topic), concurrency, fanOutLimits.pageSize, deliver, (page) => {
    counts.subscribers += page.length;
  });
  return counts;
}

/** The topics an order event goes to: its order's room, the staff feed and its customer's feed. */
export function topicsOfEvent(event: OrderEvent): Topic[] {
  return [orderTopic(event.orderId), allOrdersTopic, customerTopic(event.customerId)];
}

/** Fan one order event out to all its topics; each subscriber gets `{type:"event", topic, seq, event}`. */
export async function fanOutEvent(
  connections: ConnectionsApi,
  event: OrderEvent,
  options: FanOutOptions = {},
): Promise<FanOutCounts[]> {
  return Promise.all(
    topicsOfEvent(event).map((topic) =>
      fanOut(connections, topic, { type: "event", topic, seq: event.seq, event }, options),
    ),
  );
}

/** The event of a stream record's NewImage; undefined when the item is not an event item. */
export function eventOfStreamImage(image: object | undefined): OrderEvent | undefined {
  if (image === undefined) return undefined;
  // Lambda's stream image is DynamoDB's attribute-value JSON, typed by @types/aws-lambda.
  const item = unmarshall(image as AttributeMap) as Partial<EventItem>;
  return item.entity === "event" && item.event !== undefined ? item.event : undefined;
}
