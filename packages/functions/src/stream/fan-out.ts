/**
 * DynamoDB stream subscriber: every new order event (INSERT of an `EVENT#` item, see the filter
 * in routes.ts) is pushed to the `order:{orderId}` and `orders` topics.
 *
 * At-least-once: a record whose fan-out left connections failing after retries throws, so it is
 * reported in `batchItemFailures` and redelivered (subscribers that already got it dedup by seq).
 * Records are processed in order, one at a time, so one order's events go out in seq order.
 */
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { eventOfStreamImage, fanOutEvent } from "@live-orders/core/fanout";
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { connectionsClient } from "../connections";
import { createLogger } from "../logger";

const logger = createLogger("stream-fan-out");
const processor = new BatchProcessor(EventType.DynamoDBStreams);

async function recordHandler(record: DynamoDBRecord): Promise<void> {
  if (record.eventName !== "INSERT") return;
  const event = eventOfStreamImage(record.dynamodb?.NewImage);
  if (event === undefined) return;
  const results = await fanOutEvent(connectionsClient(), event, {
    onFailure: (connectionId, error, outcome) =>
      logger.warn("post failed", {
        connectionId,
        orderId: event.orderId,
        outcome,
        error: (error as { name?: string }).name ?? String(error),
      }),
  });
  for (const counts of results) {
    logger.info("fan-out done", { orderId: event.orderId, seq: event.seq, ...counts });
  }
  const failed = results.reduce((sum, counts) => sum + counts.failed, 0);
  if (failed > 0) throw new Error(`event ${event.orderId}#${event.seq}: ${failed} connection(s) still failing`);
}

export async function handler(event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> {
  logger.appendKeys({ requestId: context?.awsRequestId });
  try {
    return await processPartialResponse(event, recordHandler, processor, {
      context,
      processInParallel: false,
      // A fully failed batch is reported item by item like a partial one (Lambda retries it the
      // same way), instead of as an invocation error that reads like a crash in the logs.
      throwOnFullBatchFailure: false,
    });
  } finally {
    logger.resetKeys();
  }
}
