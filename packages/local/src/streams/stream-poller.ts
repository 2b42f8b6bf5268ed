import { randomUUID } from "node:crypto";
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as SdkRecord,
  type Shard,
  type ShardIteratorType,
  TrimmedDataAccessException,
} from "@aws-sdk/client-dynamodb-streams";
import type { StreamFailureMessage } from "@live-orders/functions/replay/failure-message";
import type { DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { localDynamoDbClient, localDynamoDbStreamsClient } from "../clients";
import { LOCAL_REGION } from "../config";
import type { HandlerLoader } from "../lambda/handler-loader";
import { type FilterPattern, matchesAnyFilter } from "./filter-pattern";
import { toLambdaRecord } from "./stream-records";

export interface StreamPollerOptions {
  endpoint: string;
  tableName: string;
  /** SST handler ref of the subscriber function. */
  handler: string;
  loader: HandlerLoader;
  /** Records per invocation at most; Lambda's default for DynamoDB streams is 100. */
  batchSize?: number;
  /** The event source mapping's filter criteria; records no filter matches never reach the handler. */
  filters?: readonly FilterPattern[];
  /** Honour `{batchItemFailures}` in the handler's response (FunctionResponseTypes ReportBatchItemFailures). Default true. */
  reportBatchItemFailures?: boolean;
  /** Retries of a failed batch before its records are given up (Lambda's MaximumRetryAttempts). Default 3. */
  maxRetries?: number;
  /** Split a batch whose invocation failed (threw, timed out) in two and retry each half (BisectBatchOnFunctionError). Default false. */
  bisectBatchOnFunctionError?: boolean;
  /** Records older than this are given up instead of being retried (MaximumRecordAgeInSeconds). Default: no limit. */
  maximumRecordAgeSeconds?: number;
  /**
   * The on-failure destination: receives, for every range of records given up, the message
   * Lambda sends (the range, not the records). Without it a range given up is dropped, as on AWS.
   */
  onFailure?: (message: StreamFailureMessage) => Promise<void> | void;
  /** First retry delay; doubles per attempt up to `retryMaxDelayMs`. */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /**
   * Wait after an empty GetRecords while the stream is busy. Lambda polls each shard about 4×/s;
   * locally, 10 ms (default) takes the stream wait out of the fan-out latency of a burst. Each
   * further empty poll doubles the wait up to `idlePollIntervalMs`, because an empty GetRecords
   * costs CPU: polling every 10 ms while nothing happens would keep a sizeable share of a core busy
   * on a developer's idle laptop (docs/benchmarks.md, "Figures behind choices in the code").
   */
  pollIntervalMs?: number;
  /** The longest wait between empty polls once the stream has gone quiet. Default 50 ms. */
  idlePollIntervalMs?: number;
  /** How often DescribeStream looks for new shards. */
  shardDiscoveryIntervalMs?: number;
  /** Where reading starts for the shards open at start. Default LATEST (as a new event source mapping). */
  startingPosition?: "LATEST" | "TRIM_HORIZON";
  region?: string;
  log?: (line: string) => void;
}

export interface StreamPoller {
  /** Resolves once every open shard has an iterator: writes from then on are delivered. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

interface ShardWorker {
  shardId: string;
  done: Promise<void>;
}

/**
 * The local counterpart of a Lambda event source mapping on a DynamoDB stream: reads DynamoDB
 * Local's stream shard by shard (children only after their parent is drained, as Lambda does),
 * filters records, invokes the handler with `DynamoDBStreamEvent` batches in order, and retries
 * failures the way Lambda does: a thrown error retries the whole batch; a partial batch response
 * retries from the lowest failed sequence number (the records before it are checkpointed).
 */
export function startStreamPoller(options: StreamPollerOptions): StreamPoller {
  const settings = pollerSettings(options);
  const stopping = new AbortController();
  const streams = localDynamoDbStreamsClient(options.endpoint);
  const mapping = (async (): Promise<EventSourceMapping> => {
    const streamArn = await streamOfTable(options.endpoint, options.tableName);
    const started: EventSourceMapping = {
      options,
      settings,
      streams,
      streamArn,
      signal: stopping.signal,
      workers: new Map(),
    };
    await discoverShards(started, { atStart: true });
    return started;
  })();
  const ready = mapping.then(() => undefined);
  const discovery = mapping.then(watchForNewShards).catch(() => {});

  return {
    ready,
    async stop() {
      stopping.abort();
      const started = await mapping.catch(() => undefined);
      await discovery;
      await Promise.all([...(started?.workers.values() ?? [])].map((worker) => worker.done));
      streams.destroy();
    },
  };
}

type PollerSettings = ReturnType<typeof pollerSettings>;

/** What one running poller reads, with what, and until when. */
interface EventSourceMapping {
  options: StreamPollerOptions;
  settings: PollerSettings;
  streams: DynamoDBStreamsClient;
  streamArn: string;
  /** Aborted by `stop()`: every loop and wait ends. */
  signal: AbortSignal;
  workers: Map<string, ShardWorker>;
}

function pollerSettings(options: StreamPollerOptions) {
  const settings = {
    batchSize: options.batchSize ?? 100,
    reportBatchItemFailures: options.reportBatchItemFailures ?? true,
    maxRetries: options.maxRetries ?? 3,
    bisect: options.bisectBatchOnFunctionError ?? false,
    maximumRecordAgeSeconds: options.maximumRecordAgeSeconds ?? Number.POSITIVE_INFINITY,
    retryBaseDelayMs: options.retryBaseDelayMs ?? 100,
    retryMaxDelayMs: options.retryMaxDelayMs ?? 5_000,
    pollIntervalMs: options.pollIntervalMs ?? 10,
    idlePollIntervalMs: Math.max(options.idlePollIntervalMs ?? 50, options.pollIntervalMs ?? 10),
    shardDiscoveryIntervalMs: options.shardDiscoveryIntervalMs ?? 1_000,
    startingPosition: options.startingPosition ?? "LATEST",
    region: options.region ?? LOCAL_REGION,
    name: functionLabel(options.handler),
    log: options.log ?? ((line: string) => console.error(line)),
  };
  if (settings.batchSize < 1 || settings.batchSize > 10_000) throw new RangeError("batchSize must be 1-10000");
  return settings;
}

/** The table's stream (the mapping's event source). */
async function streamOfTable(endpoint: string, tableName: string): Promise<string> {
  const dynamodb = localDynamoDbClient(endpoint);
  try {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    if (!Table?.LatestStreamArn) throw new Error(`table ${tableName} has no stream`);
    return Table.LatestStreamArn;
  } finally {
    dynamodb.destroy();
  }
}

/** Look for new shards (DynamoDB splits and rolls them over) until stopped. */
async function watchForNewShards(mapping: EventSourceMapping): Promise<void> {
  const { settings, signal } = mapping;
  while (!signal.aborted) {
    await sleep(signal, settings.shardDiscoveryIntervalMs);
    if (signal.aborted) break;
    await discoverShards(mapping, { atStart: false }).catch((error: unknown) => {
      if (!signal.aborted)
        settings.log(`[stream] ${settings.name}: DescribeStream failed: ${(error as Error).message}`);
    });
  }
}

/** A reader for every shard not read yet; at start with LATEST, closed shards are history. */
async function discoverShards(mapping: EventSourceMapping, { atStart }: { atStart: boolean }): Promise<void> {
  const { settings, workers } = mapping;
  const fromLatest = atStart && settings.startingPosition === "LATEST";
  for (const shard of await describeShards(mapping)) {
    const shardId = shard.ShardId;
    if (!shardId || workers.has(shardId)) continue;
    const closed = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
    if (fromLatest && closed) {
      // Closed before we started: history, as for a new event source mapping at LATEST.
      workers.set(shardId, { shardId, done: Promise.resolve() });
      continue;
    }
    const parent = shard.ParentShardId ? workers.get(shard.ParentShardId) : undefined;
    const done = fromLatest
      ? readShard(mapping, shardId, { first: await shardIterator(mapping, shardId, "LATEST"), type: "LATEST", parent })
      : // A shard found after start only holds records written after start: read all of it.
        readShard(mapping, shardId, { type: "TRIM_HORIZON", parent });
    workers.set(shardId, { shardId, done });
  }
}

async function describeShards({ streams, streamArn }: EventSourceMapping): Promise<Shard[]> {
  const shards: Shard[] = [];
  let exclusiveStartShardId: string | undefined;
  // DynamoDB Streams has no paginator in the SDK: DescribeStream pages by shard id.
  do {
    const { StreamDescription } = await streams.send(
      new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: exclusiveStartShardId }),
    );
    shards.push(...(StreamDescription?.Shards ?? []));
    exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
  } while (exclusiveStartShardId);
  return shards;
}

async function shardIterator(
  { streams, streamArn }: EventSourceMapping,
  shardId: string,
  type: ShardIteratorType,
  sequenceNumber?: string,
): Promise<string | undefined> {
  const { ShardIterator } = await streams.send(
    new GetShardIteratorCommand({
      StreamArn: streamArn,
      ShardId: shardId,
      ShardIteratorType: type,
      SequenceNumber: sequenceNumber,
    }),
  );
  return ShardIterator;
}

/**
 * Reads one shard to its end. `first` is an iterator already taken (LATEST at start must be
 * "now", not when the loop gets to it); otherwise one of `type` is taken once the parent is done.
 */
async function readShard(
  mapping: EventSourceMapping,
  shardId: string,
  o: { first?: string; type: ShardIteratorType; parent?: ShardWorker },
): Promise<void> {
  const { settings, streams, signal } = mapping;
  const { log, name } = settings;
  try {
    await o.parent?.done;
    let next = o.first ?? (await shardIterator(mapping, shardId, o.type));
    let lastSequenceNumber: string | undefined;
    let wait = settings.pollIntervalMs;
    while (next && !signal.aborted) {
      let records: SdkRecord[];
      try {
        const page = await streams.send(new GetRecordsCommand({ ShardIterator: next, Limit: settings.batchSize }));
        records = page.Records ?? [];
        next = page.NextShardIterator;
      } catch (error) {
        if (signal.aborted) break;
        if (error instanceof ExpiredIteratorException) {
          next = lastSequenceNumber
            ? await shardIterator(mapping, shardId, "AFTER_SEQUENCE_NUMBER", lastSequenceNumber)
            : await shardIterator(mapping, shardId, o.type);
          continue;
        }
        if (error instanceof TrimmedDataAccessException) {
          log(`[stream] ${name}: records of ${shardId} were trimmed before they were read; resuming at the oldest`);
          next = await shardIterator(mapping, shardId, "TRIM_HORIZON");
          continue;
        }
        log(`[stream] ${name}: GetRecords on ${shardId} failed (${(error as Error).message}); retrying`);
        await sleep(signal, settings.retryMaxDelayMs);
        continue;
      }
      if (records.length > 0) {
        lastSequenceNumber = records.at(-1)?.dynamodb?.SequenceNumber;
        await deliverBatch(mapping, shardId, records);
        wait = settings.pollIntervalMs;
      } else if (next) {
        await sleep(signal, wait);
        wait = Math.min(wait * 2, settings.idlePollIntervalMs);
      }
    }
  } catch (error) {
    if (!signal.aborted) log(`[stream] ${name}: shard ${shardId} stopped: ${(error as Error).message}`);
  }
}

/**
 * One batch, in order; returns when it succeeded or was given up.
 *
 * The retries here are Lambda's, emulated, not the app's: an event source mapping retries a
 * failed batch up to MaximumRetryAttempts with growing waits; with BisectBatchOnFunctionError a
 * batch whose invocation failed is split in two and each half retried (splitting uses up no
 * retry); a record older than MaximumRecordAgeInSeconds is not retried again; a range given up
 * goes to the on-failure destination, or is dropped without one. That is the behaviour of the
 * service the handler runs under, so it stays in the emulator rather than going through core's
 * retry policies.
 */
async function deliverBatch(mapping: EventSourceMapping, shardId: string, records: SdkRecord[]): Promise<void> {
  const { options, settings, streamArn } = mapping;
  const batch: DynamoDBRecord[] = records
    .map((record) => toLambdaRecord(record, { streamArn, region: settings.region }))
    .filter((record) => matchesAnyFilter(record, options.filters));
  await deliverRange(mapping, shardId, batch, 0);
}

async function deliverRange(
  mapping: EventSourceMapping,
  shardId: string,
  records: DynamoDBRecord[],
  retriesBefore: number,
): Promise<void> {
  const { options, settings, signal } = mapping;
  const { log, name } = settings;
  let pending = records;
  let throttles = 0;
  for (let retries = retriesBefore; pending.length > 0 && !signal.aborted; retries++) {
    if (ageSeconds(pending[0] as DynamoDBRecord) > settings.maximumRecordAgeSeconds) {
      return giveUp(mapping, shardId, pending, { condition: "RecordAgeExceeded", invokes: retries });
    }
    const event: DynamoDBStreamEvent = { Records: pending };
    let failedFrom: number | undefined;
    let functionError: string | undefined;
    let reason: string;
    try {
      const response = await options.loader.invoke(options.handler, event);
      failedFrom = settings.reportBatchItemFailures ? firstFailedIndex(response, pending) : undefined;
      reason = "reported batchItemFailures";
    } catch (error) {
      if (error instanceof Error && error.name === "TooManyRequestsException") {
        // Throttled before it was invoked: Lambda retries such a batch until its records expire,
        // without spending MaximumRetryAttempts (which counts function errors only).
        const delay = Math.min(settings.retryMaxDelayMs, settings.retryBaseDelayMs * 2 ** throttles++);
        log(`[stream] ${name}: invocation throttled (${error.name}); retrying the batch in ${delay} ms`);
        await sleep(signal, delay);
        retries--;
        continue;
      }
      failedFrom = 0;
      functionError = error instanceof Error ? error.name : "Error";
      reason = `threw ${functionError}${error instanceof Error ? `: ${error.message}` : ""}`;
    }
    if (failedFrom === undefined) return;
    if (functionError !== undefined && settings.bisect && pending.length > 1) {
      const half = Math.ceil(pending.length / 2);
      log(
        `[stream] ${name}: batch ${reason}; splitting its ${pending.length} records in two (BisectBatchOnFunctionError)`,
      );
      await deliverRange(mapping, shardId, pending.slice(0, half), retries);
      await deliverRange(mapping, shardId, pending.slice(half), retries);
      return;
    }
    pending = pending.slice(failedFrom);
    if (retries >= settings.maxRetries) {
      return giveUp(mapping, shardId, pending, {
        condition: "RetryAttemptsExhausted",
        invokes: retries + 1,
        functionError,
      });
    }
    const delay = Math.min(settings.retryMaxDelayMs, settings.retryBaseDelayMs * 2 ** retries);
    log(
      `[stream] ${name}: batch ${reason}; retrying ${pending.length} record(s) from sequence number ` +
        `${pending[0]?.dynamodb?.SequenceNumber} in ${delay} ms (retry ${retries + 1}/${settings.maxRetries})`,
    );
    await sleep(signal, delay);
  }
}

/** The records' wait in the stream so far, from their approximate creation time (whole seconds). */
function ageSeconds(record: DynamoDBRecord): number {
  const created = record.dynamodb?.ApproximateCreationDateTime;
  return created === undefined ? 0 : Date.now() / 1000 - created;
}

/** A range given up: to the on-failure destination with Lambda's message, or dropped without one. */
async function giveUp(
  mapping: EventSourceMapping,
  shardId: string,
  records: DynamoDBRecord[],
  o: { condition: StreamFailureMessage["requestContext"]["condition"]; invokes: number; functionError?: string },
): Promise<void> {
  const { options, settings, streamArn } = mapping;
  const first = records[0] as DynamoDBRecord;
  const last = records.at(-1) as DynamoDBRecord;
  const range = `${records.length} record(s) from sequence number ${first.dynamodb?.SequenceNumber}`;
  const why =
    o.condition === "RecordAgeExceeded"
      ? `older than ${settings.maximumRecordAgeSeconds} s`
      : `after ${settings.maxRetries} retries`;
  if (!options.onFailure) {
    settings.log(`[stream] ${settings.name}: dropping ${range} ${why}`);
    return;
  }
  const arrival = (record: DynamoDBRecord) =>
    new Date((record.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000).toISOString();
  const message: StreamFailureMessage = {
    version: "1.0",
    timestamp: new Date().toISOString(),
    requestContext: {
      requestId: randomUUID(),
      functionArn: `arn:aws:lambda:${settings.region}:000000000000:function:${settings.name}`,
      condition: o.condition,
      approximateInvokeCount: o.invokes,
    },
    responseContext: {
      statusCode: 200,
      executedVersion: "$LATEST",
      ...(o.functionError ? { functionError: "Unhandled" } : {}),
    },
    DDBStreamBatchInfo: {
      shardId,
      startSequenceNumber: first.dynamodb?.SequenceNumber ?? "",
      endSequenceNumber: last.dynamodb?.SequenceNumber ?? "",
      approximateArrivalOfFirstRecord: arrival(first),
      approximateArrivalOfLastRecord: arrival(last),
      batchSize: records.length,
      // The stream's own ARN, which its API (the replay's GetShardIterator) takes: DynamoDB Local
      // answers "Stream does not exist" for the region-rewritten one the records carry.
      streamArn,
    },
  };
  try {
    await options.onFailure(message);
    settings.log(`[stream] ${settings.name}: sent ${range} to the on-failure destination ${why}`);
  } catch (error) {
    settings.log(
      `[stream] ${settings.name}: dropping ${range} ${why}: the on-failure destination failed (${(error as Error).message})`,
    );
  }
}

/** A wait that ends early when the poller stops. */
function sleep(signal: AbortSignal, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * Index of the first record to retry, or undefined for success. Lambda's rules: a missing or
 * empty response or `batchItemFailures` is success; an entry whose `itemIdentifier` is empty,
 * null or not a sequence number of the batch makes the whole batch a failure.
 */
export function firstFailedIndex(response: unknown, records: readonly DynamoDBRecord[]): number | undefined {
  if (response === null || typeof response !== "object") return undefined;
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return undefined;
  if (!Array.isArray(failures)) return 0;
  if (failures.length === 0) return undefined;
  let first: number | undefined;
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    const index = typeof id === "string" && id ? records.findIndex((r) => r.dynamodb?.SequenceNumber === id) : -1;
    if (index < 0) return 0;
    first = first === undefined ? index : Math.min(first, index);
  }
  return first;
}

/** "packages/functions/src/stream/fan-out.handler" → "fan-out" for log lines. */
function functionLabel(ref: string): string {
  const file = ref.slice(0, ref.lastIndexOf("."));
  return file.slice(file.lastIndexOf("/") + 1) || ref;
}
