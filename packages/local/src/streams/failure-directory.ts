import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { StreamFailureMessage } from "@live-orders/functions/replay/failure-message";

/**
 * The local on-failure destination of a stream event source mapping: a directory standing in
 * for the SQS queue, one JSON file per message (Lambda's message, exactly as SQS would hold it),
 * named so that a listing is in the order they were sent. `npm run replay-fan-out -- --local`
 * reads and deletes them as the AWS replay receives and deletes SQS messages.
 */
export function failureDirectory(dir: string): (message: StreamFailureMessage) => void {
  mkdirSync(dir, { recursive: true });
  return (message) => {
    const name = `${message.timestamp.replace(/[:.]/g, "-")}-${message.requestContext.requestId}.json`;
    writeFileSync(join(dir, name), `${JSON.stringify(message, null, 2)}\n`);
  };
}
