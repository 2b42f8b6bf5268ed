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
 * How the stream trigger treats a failing batch: bisection, retry and age bounds, parallel
 * batches per shard. They live in the route table (`streamSubscriber.failureHandling`, with the
 * reason for each) because the local stream poller applies the same bounds.
 */
export const fanOutRetry = streamSubscriber.failureHandling;

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
