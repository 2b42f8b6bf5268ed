/**
 * The message a DynamoDB stream event source mapping sends to its on-failure destination when it
 * gives up on a range of records (AWS's shape: it names the range, not the records). On AWS it
 * arrives in the `FanOutFailures` SQS queue (infra/fan-out.ts); the local stream poller writes
 * the same message, one JSON file per message, into the directory the local stack names as its
 * `fanOutFailureQueue`. `npm run replay-fan-out` reads either (replay-fan-out.ts).
 */
export interface StreamFailureMessage {
  version: "1.0";
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    /** Why the range was given up: its retries ran out, or its oldest record grew too old. */
    condition: "RetryAttemptsExhausted" | "RecordAgeExceeded";
    approximateInvokeCount: number;
  };
  responseContext: {
    statusCode: number;
    executedVersion: string;
    functionError?: string;
  };
  DDBStreamBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
}

/** A message as read from a queue, or why it is not one. */
export function parseStreamFailureMessage(text: string): StreamFailureMessage {
  const message = JSON.parse(text) as Partial<StreamFailureMessage>;
  const info = message.DDBStreamBatchInfo;
  if (
    typeof info?.streamArn !== "string" ||
    typeof info.shardId !== "string" ||
    typeof info.startSequenceNumber !== "string" ||
    typeof info.endSequenceNumber !== "string"
  ) {
    throw new Error("not a DynamoDB stream failure message (no DDBStreamBatchInfo range)");
  }
  return message as StreamFailureMessage;
}
