/**
 * The two places failure messages wait: the `FanOutFailures` SQS queue on AWS, and locally the
 * directory the stream poller writes them to (packages/local's failure-directory.ts).
 */
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { parseStreamFailureMessage } from "./failure-message";
import type { FailureQueue, QueuedFailure } from "./replay-fan-out";

/**
 * The SQS queue: received 10 at a time until it answers empty. A received message is hidden for
 * the queue's visibility timeout (5 minutes, infra/fan-out.ts) and deleted once replayed; one
 * not replayed shows again after that, for the next run.
 */
export function sqsFailureQueue(sqs: SQSClient, queueUrl: string): FailureQueue {
  return {
    async *messages() {
      for (;;) {
        const { Messages } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        if (!Messages || Messages.length === 0) return;
        for (const received of Messages) {
          const queued: QueuedFailure = {
            id: received.MessageId ?? "?",
            message: parseStreamFailureMessage(received.Body ?? ""),
            acknowledge: async () => {
              await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: received.ReceiptHandle }));
            },
          };
          yield queued;
        }
      }
    },
  };
}

/** The local stand-in: one JSON file per message, in name (= sending) order; acknowledging deletes the file. */
export function directoryFailureQueue(dir: string): FailureQueue {
  return {
    async *messages() {
      let names: string[];
      try {
        names = readdirSync(dir)
          .filter((name) => name.endsWith(".json"))
          .sort();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
        throw error;
      }
      for (const name of names) {
        const file = join(dir, name);
        yield {
          id: name,
          message: parseStreamFailureMessage(readFileSync(file, "utf8")),
          acknowledge: async () => rmSync(file, { force: true }),
        };
      }
    },
  };
}
