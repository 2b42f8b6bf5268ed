import { streamSubscriber } from "@live-orders/functions/routes";
import { userPool, webClient } from "./auth";
import { type LinkTargets, lambdaFor } from "./function";
import { fanOutSizing } from "./function-sizing";
import { realtime } from "./realtime";
import { table } from "./table";

/**
 * Where the stream trigger puts what it gives up on. Lambda sends one message per discarded
 * batch range: the stream ARN, shard id, first and last sequence number, arrival times and the
 * reason (retries exhausted, record too old) — not the records themselves. The replay command
 * (docs/deploy.md, "Replaying failed fan-outs") reads the keys of that range from the stream
 * while it still holds them (24 h) and the events themselves from the table, so a replayed
 * event is the stored one.
 *
 * Retention: SQS's maximum, 14 days, so a failure noticed after a holiday is still on record
 * (the alarm on this queue fires on its first message). Visibility: 5 minutes, the time the
 * replay may take to re-fan one message's batch before another reader sees it again.
 */
export const fanOutFailures = new sst.aws.Queue("FanOutFailures", {
  visibilityTimeout: "5 minutes",
  transform: {
    queue: {
      messageRetentionSeconds: 14 * 24 * 60 * 60,
      sqsManagedSseEnabled: true,
    },
  },
});

/**
 * How the stream trigger treats a failing batch. Lambda retries a stream batch immediately
 * and holds back the records behind it until it succeeds or one of these bounds is reached;
 * then the range goes to `fanOutFailures`, never silently away.
 */
export const fanOutRetry = {
  /**
   * A function error or timeout splits the batch in two and retries each half, so one poison
   * record (or one that outlasts the timeout with its batch-mates) ends alone in a batch of
   * its own instead of holding back up to 99 others until the bounds below.
   */
  bisectBatchOnFunctionError: true,
  /**
   * Immediate retries absorb a short burst of failures (a 5xx or throttling spell of the
   * `@connections` API, a 403 while credentials rotate) that outlasts the per-post retries.
   */
  maximumRetryAttempts: 10,
  /**
   * A push 15 minutes late is no longer live: by then its subscribers have filled the gap
   * from the table (`pong {seqs}` each heartbeat, `since` on resubscribe). The bound also ends
   * a backlog's wait, well after the IteratorAge alarm (infra/alarms.ts) has fired.
   */
  maximumRecordAgeInSeconds: 15 * 60,
  /**
   * Ten concurrent batches per shard, Lambda's maximum. Lambda keeps the order of records with
   * the same partition key, and every event of an order shares `pk = ORDER#{orderId}`: an
   * order's events still go out in seq order, while a stalled order no longer holds back the
   * other orders of its shard. (The staff feed `orders` never had a cross-order order: each
   * event carries its own order's seq.)
   */
  parallelizationFactor: 10,
} as const;

const targets: LinkTargets = {
  Table: table,
  Realtime: realtime,
  UserPool: userPool,
  WebClient: webClient,
};

/**
 * The fan-out: the table's stream, filtered to new order events, pushed to WebSocket
 * subscribers. Partial batch responses let one failed record be retried without re-delivering
 * the records before it. The function's role may send to the failure queue: Lambda delivers
 * to a stream trigger's on-failure destination with the function's own permissions.
 */
export const fanOut = table.subscribe(
  streamSubscriber.name,
  lambdaFor(streamSubscriber, targets, fanOutSizing, {
    permissions: [{ actions: ["sqs:SendMessage"], resources: [fanOutFailures.arn] }],
  }),
  {
    filters: streamSubscriber.filters.map((filter) => structuredClone(filter) as Record<string, unknown>),
    transform: {
      eventSourceMapping: {
        batchSize: streamSubscriber.batchSize,
        functionResponseTypes: ["ReportBatchItemFailures"],
        ...fanOutRetry,
        destinationConfig: { onFailure: { destinationArn: fanOutFailures.arn } },
      },
    },
  },
);

/** The fan-out function's name (CloudWatch's `FunctionName` dimension). */
export const fanOutFunctionName = fanOut.apply((subscriber) => subscriber.nodes.function.name);
