/**
 * Re-drives the stream ranges the fan-out gave up on (SPEC §2: nothing is skipped without
 * trace). For each failure message (failure-message.ts): read the range it names from the
 * table's stream, keep the records the fan-out subscribes to (INSERTs of event items, as the
 * filter in routes.ts), read each event from the table by its key (so what is replayed is the
 * stored event, not a stream copy), fan it out again (subscribers that had it drop the duplicate
 * by seq), and acknowledge the message only when every event reached every live subscriber.
 *
 * The stream keeps records 24 hours: a message older than that names a range the stream no
 * longer holds, and is reported, not acknowledged (the queue keeps it as the incident's record).
 */
import {
  type _Record,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from "@aws-sdk/client-dynamodb-streams";
import type { ConnectionsApi } from "@live-orders/core/connections-api";
import { storedEvent } from "@live-orders/core/events";
import { fanOutEvent } from "@live-orders/core/fanout";
import { eventSkPrefix } from "@live-orders/core/keys";
import { repairProjection } from "@live-orders/core/order-projection";
import type { StreamFailureMessage } from "./failure-message";

/** A message waiting in a failure queue: acknowledging it removes it from the queue. */
export interface QueuedFailure {
  /** Where it came from, for the report (an SQS message id, a file name). */
  id: string;
  message: StreamFailureMessage;
  acknowledge(): Promise<void>;
}

/** Where the failure messages wait: the SQS queue on AWS, a directory locally (failure-queues.ts). */
export interface FailureQueue {
  /** Every message waiting now, oldest first; each is handed out once per call. */
  messages(): AsyncIterable<QueuedFailure>;
}

export interface ReplayOutcome {
  id: string;
  condition: string;
  /** Event records found in the range. */
  events: number;
  delivered: number;
  gone: number;
  /** Posts that still failed: the message stays in the queue. */
  failed: number;
  acknowledged: boolean;
  /** Why the message could not be replayed (the range is no longer in the stream, say). */
  error?: string;
}

const compare = (a: string, b: string) => {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

/** The records of one shard from `start` to `end`, inclusive, as the stream holds them. */
export async function recordsInRange(
  streams: DynamoDBStreamsClient,
  info: StreamFailureMessage["DDBStreamBatchInfo"],
): Promise<_Record[]> {
  const { ShardIterator } = await streams.send(
    new GetShardIteratorCommand({
      StreamArn: info.streamArn,
      ShardId: info.shardId,
      ShardIteratorType: "AT_SEQUENCE_NUMBER",
      SequenceNumber: info.startSequenceNumber,
    }),
  );
  const records: _Record[] = [];
  let iterator = ShardIterator;
  // An open shard answers empty pages once it is caught up: a few in a row end the read.
  for (let emptyPages = 0; iterator && emptyPages < 5; ) {
    const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
    iterator = page.NextShardIterator;
    const found = page.Records ?? [];
    emptyPages = found.length === 0 ? emptyPages + 1 : 0;
    for (const record of found) {
      const sequenceNumber = record.dynamodb?.SequenceNumber ?? "0";
      if (compare(sequenceNumber, info.endSequenceNumber) > 0) return records;
      records.push(record);
    }
    if (records.at(-1)?.dynamodb?.SequenceNumber === info.endSequenceNumber) return records;
  }
  return records;
}

/** The keys of the event items the range inserted: what the fan-out's stream filter passes. */
function eventKeysOf(records: readonly _Record[]): { pk: string; sk: string }[] {
  return records.flatMap((record) => {
    const pk = record.dynamodb?.Keys?.pk?.S;
    const sk = record.dynamodb?.Keys?.sk?.S;
    return record.eventName === "INSERT" && pk && sk?.startsWith(eventSkPrefix) ? [{ pk, sk }] : [];
  });
}

/** Replay one failure message; acknowledges it when every event was fanned out with no failed post. */
export async function replayFailure(
  queued: QueuedFailure,
  deps: { streams: DynamoDBStreamsClient; connections: ConnectionsApi },
): Promise<ReplayOutcome> {
  const outcome: ReplayOutcome = {
    id: queued.id,
    condition: queued.message.requestContext?.condition ?? "unknown",
    events: 0,
    delivered: 0,
    gone: 0,
    failed: 0,
    acknowledged: false,
  };
  try {
    const keys = eventKeysOf(await recordsInRange(deps.streams, queued.message.DDBStreamBatchInfo));
    outcome.events = keys.length;
    for (const key of keys) {
      const event = await storedEvent(key);
      if (event === undefined) continue; // deleted since (TTL): nothing left to push
      await repairProjection(event);
      for (const counts of await fanOutEvent(deps.connections, event)) {
        outcome.delivered += counts.delivered;
        outcome.gone += counts.gone;
        outcome.failed += counts.failed;
      }
    }
  } catch (error) {
    outcome.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return outcome;
  }
  if (outcome.failed === 0) {
    await queued.acknowledge();
    outcome.acknowledged = true;
  }
  return outcome;
}

/** Replay every message waiting in `queue`, one after the other (an order's events stay in order). */
export async function replayFanOutFailures(
  queue: FailureQueue,
  deps: { streams: DynamoDBStreamsClient; connections: ConnectionsApi; report?: (outcome: ReplayOutcome) => void },
): Promise<ReplayOutcome[]> {
  const outcomes: ReplayOutcome[] = [];
  for await (const queued of queue.messages()) {
    const outcome = await replayFailure(queued, deps);
    deps.report?.(outcome);
    outcomes.push(outcome);
  }
  return outcomes;
}
