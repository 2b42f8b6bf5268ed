/**
 * DynamoDB stream subscriber: every new order event (INSERT of an `EVENT#` item, see the filter
 * in routes.ts) is pushed to the `order:{orderId}` and `orders` topics.
 *
 * At-least-once: a record whose fan-out left connections failing after retries, or whose posts
 * were refused for our credentials or permissions (403, a rejected signature), throws, so it is
 * reported in `batchItemFailures` and redelivered (subscribers that already got it dedup by seq);
 * once the event source mapping's bounds are spent it goes to the failure queue
 * (infra/fan-out.ts), from which `npm run replay-fan-out` re-drives it. Records are processed in
 * order, one at a time, so one order's events go out in seq order.
 *
 * Metrics per invocation (metrics.ts): posts delivered, gone, failed and dropped, failed records,
 * and the batch's duration.
 */
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { eventOfStreamImage, type FanOutCounts, fanOutEvent } from "@live-orders/core/fanout";
import { repairProjection } from "@live-orders/core/order-projection";
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { connectionsClient } from "../connections";
import { createLogger } from "../logger";
import { createMetrics, MetricName, MetricUnit } from "../metrics";

const logger = createLogger("stream-fan-out");
const metrics = createMetrics();
const processor = new BatchProcessor(EventType.DynamoDBStreams);

type PostOutcomes = Pick<FanOutCounts, "delivered" | "gone" | "failed" | "dropped">;
let batchOutcomes: PostOutcomes = { delivered: 0, gone: 0, failed: 0, dropped: 0 };

async function recordHandler(record: DynamoDBRecord): Promise<void> {
  if (record.eventName !== "INSERT") return;
  const event = eventOfStreamImage(record.dynamodb?.NewImage);
  if (event === undefined) return;
  const results = await fanOutEvent(connectionsClient(), event, {
    onFailure: (connectionId, error, outcome) => {
      const details = {
        connectionId,
        orderId: event.orderId,
        outcome,
        error: (error as { name?: string }).name ?? String(error),
      };
      // Gone is routine (a closed tab); anything else loses a push unless the record is retried.
      if (outcome === "gone") logger.info("post failed", details);
      else logger.warn("post failed", details);
    },
  });
  // A status event its writer did not apply to the order item (events.ts) is applied here. After
  // the posts, not before: no delivery waits on this read, and by now the writer, whose Update
  // follows its Put, has almost always applied it itself (else both Updates run, one fails).
  if (await repairProjection(event)) logger.warn("order item repaired", { orderId: event.orderId, seq: event.seq });
  for (const counts of results) {
    logger.info("fan-out done", { orderId: event.orderId, seq: event.seq, ...counts });
    for (const key of ["delivered", "gone", "failed", "dropped"] as const) batchOutcomes[key] += counts[key];
  }
  const failed = results.reduce((sum, counts) => sum + counts.failed, 0);
  if (failed > 0) throw new Error(`event ${event.orderId}#${event.seq}: ${failed} connection(s) still failing`);
}

export async function handler(event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> {
  logger.appendKeys({ requestId: context?.awsRequestId });
  const started = performance.now();
  batchOutcomes = { delivered: 0, gone: 0, failed: 0, dropped: 0 };
  let failedRecords = 0;
  try {
    const response = await processPartialResponse(event, recordHandler, processor, {
      context,
      processInParallel: false,
      // A fully failed batch is reported item by item like a partial one (Lambda retries it the
      // same way), instead of as an invocation error that reads like a crash in the logs.
      throwOnFullBatchFailure: false,
    });
    failedRecords = response.batchItemFailures.length;
    return response;
  } finally {
    metrics.addMetric(MetricName.DeliveredPosts, MetricUnit.Count, batchOutcomes.delivered);
    metrics.addMetric(MetricName.GonePosts, MetricUnit.Count, batchOutcomes.gone);
    metrics.addMetric(MetricName.FailedPosts, MetricUnit.Count, batchOutcomes.failed);
    metrics.addMetric(MetricName.DroppedPosts, MetricUnit.Count, batchOutcomes.dropped);
    metrics.addMetric(MetricName.FailedRecords, MetricUnit.Count, failedRecords);
    metrics.addMetric(MetricName.FanOutBatchDuration, MetricUnit.Milliseconds, performance.now() - started);
    metrics.publishStoredMetrics();
    logger.resetKeys();
  }
}
