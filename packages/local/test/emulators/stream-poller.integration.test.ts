import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import { BatchWriteItemCommand, DeleteItemCommand, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { tableDefinition } from "@live-orders/core/table-definition";
import type { StreamFailureMessage } from "@live-orders/functions/replay/failure-message";
import { streamSubscriber } from "@live-orders/functions/routes";
import type { DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { afterAll, afterEach, describe, expect, inject, it } from "vitest";
import { localDynamoDbClient } from "../../src/clients";
import { createTable } from "../../src/dynamodb/dynamodb-local";
import { createHandlerLoader } from "../../src/lambda/handler-loader";
import type { FilterPattern } from "../../src/streams/filter-pattern";
import { type StreamPoller, startStreamPoller } from "../../src/streams/stream-poller";
import type { StreamBehaviour } from "./fixtures/stream-subscriber";

const endpoint = inject("dynamoEndpoint");
const rootDir = resolve(import.meta.dirname, "../../../..");
const handlerRef = "packages/local/test/emulators/fixtures/stream-subscriber.handler";
const dynamodb = localDynamoDbClient(endpoint);
globalThis.__streamFixtures ??= new Map();

const logLines: string[] = [];
// The real loader: the fixture is bundled and imported as any handler is.
const loader = createHandlerLoader({ rootDir, log: (line) => logLines.push(line) });
/** A function timeout short enough for a test to see a hanging invocation fail. */
const impatientLoader = createHandlerLoader({ rootDir, timeoutMs: 300, log: (line) => logLines.push(line) });
afterAll(async () => {
  await loader.close();
  await impatientLoader.close();
  dynamodb.destroy();
});

/** A fresh table, a poller on it with `behaviour`, and the list of invocations it got. */
async function setUp(o: {
  behaviour?: (event: DynamoDBStreamEvent, call: number) => Promise<unknown> | unknown;
  filters?: readonly FilterPattern[];
  batchSize?: number;
  maxRetries?: number;
  bisect?: boolean;
  maximumRecordAgeSeconds?: number;
  impatient?: boolean;
  /** false: no on-failure destination (records given up are dropped). */
  destination?: boolean;
}) {
  const tableName = `stream-${randomUUID()}`;
  await createTable({ endpoint, tableName, definition: tableDefinition });
  const invocations: DynamoDBStreamEvent[] = [];
  const failures: StreamFailureMessage[] = [];
  const behaviour: StreamBehaviour = async (event) => {
    invocations.push(structuredClone(event));
    return o.behaviour?.(event, invocations.length);
  };
  globalThis.__streamFixtures?.set(tableName, behaviour);
  const poller = startStreamPoller({
    endpoint,
    tableName,
    handler: handlerRef,
    loader: o.impatient ? impatientLoader : loader,
    filters: o.filters,
    batchSize: o.batchSize,
    maxRetries: o.maxRetries,
    bisectBatchOnFunctionError: o.bisect,
    maximumRecordAgeSeconds: o.maximumRecordAgeSeconds,
    onFailure: o.destination === false ? undefined : (message) => void failures.push(message),
    retryBaseDelayMs: 10,
    log: (line) => logLines.push(line),
  });
  pollers.push(poller);
  await poller.ready;
  return { tableName, invocations, poller, failures };
}
const pollers: StreamPoller[] = [];
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((poller) => poller.stop()));
});

async function until<T>(probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

const put = (tableName: string, sk: string, extra: Record<string, { S: string }> = {}) =>
  dynamodb.send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: "P" }, sk: { S: sk }, ...extra } }));

async function putMany(tableName: string, sks: string[]) {
  for (let i = 0; i < sks.length; i += 25) {
    await dynamodb.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [tableName]: sks.slice(i, i + 25).map((sk) => ({ PutRequest: { Item: { pk: { S: "P" }, sk: { S: sk } } } })),
        },
      }),
    );
  }
}

const sk = (record: DynamoDBRecord) => record.dynamodb?.Keys?.sk?.S;
const seq = (record: DynamoDBRecord) => BigInt(record.dynamodb?.SequenceNumber ?? "0");

describe("startStreamPoller", () => {
  it("delivers INSERT, MODIFY and REMOVE records exactly as Lambda does", async () => {
    const { tableName, invocations } = await setUp({});

    await dynamodb.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { pk: { S: "P" }, sk: { S: "A" }, bin: { B: new Uint8Array([1, 2, 3]) }, n: { N: "1" } },
      }),
    );
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { pk: { S: "P" }, sk: { S: "A" } },
        UpdateExpression: "SET n = :n",
        ExpressionAttributeValues: { ":n": { N: "2" } },
      }),
    );
    await dynamodb.send(new DeleteItemCommand({ TableName: tableName, Key: { pk: { S: "P" }, sk: { S: "A" } } }));
    const records = await until(() => {
      const all = invocations.flatMap((event) => event.Records);
      return all.length >= 3 && all;
    });

    expect(records.map((r) => r.eventName)).toEqual(["INSERT", "MODIFY", "REMOVE"]);
    const [insert, modify, remove] = records as [DynamoDBRecord, DynamoDBRecord, DynamoDBRecord];
    expect(Object.keys(insert).sort()).toEqual(
      ["awsRegion", "dynamodb", "eventID", "eventName", "eventSource", "eventSourceARN", "eventVersion"].sort(),
    );
    expect(insert).toMatchObject({
      eventVersion: "1.1",
      eventSource: "aws:dynamodb",
      awsRegion: "us-east-1",
      eventSourceARN: expect.stringMatching(
        new RegExp(`^arn:aws:dynamodb:us-east-1:\\d{12}:table/${tableName}/stream/`),
      ),
      dynamodb: {
        Keys: { pk: { S: "P" }, sk: { S: "A" } },
        NewImage: { pk: { S: "P" }, sk: { S: "A" }, bin: { B: "AQID" }, n: { N: "1" } },
        StreamViewType: "NEW_AND_OLD_IMAGES",
      },
    });
    expect(typeof insert.eventID).toBe("string");
    expect(insert.dynamodb?.ApproximateCreationDateTime).toBeTypeOf("number");
    expect(Math.abs((insert.dynamodb?.ApproximateCreationDateTime ?? 0) - Date.now() / 1000)).toBeLessThan(120);
    expect(insert.dynamodb?.SizeBytes).toBeGreaterThan(0);
    expect(insert.dynamodb?.OldImage).toBeUndefined();
    expect(modify.dynamodb?.OldImage?.n).toEqual({ N: "1" });
    expect(modify.dynamodb?.NewImage?.n).toEqual({ N: "2" });
    expect(remove.dynamodb?.NewImage).toBeUndefined();
    expect(remove.dynamodb?.OldImage?.n).toEqual({ N: "2" });
    expect(seq(insert) < seq(modify) && seq(modify) < seq(remove)).toBe(true);
  });

  it("starts at LATEST: writes before it started are not delivered", async () => {
    const tableName = `stream-${randomUUID()}`;
    await createTable({ endpoint, tableName, definition: tableDefinition });
    await put(tableName, "before");
    const invocations: DynamoDBStreamEvent[] = [];
    globalThis.__streamFixtures?.set(tableName, async (event) => void invocations.push(event));
    const poller = startStreamPoller({
      endpoint,
      tableName,
      handler: handlerRef,
      loader,
      log: (line) => logLines.push(line),
    });
    pollers.push(poller);
    await poller.ready;

    await put(tableName, "after");
    await until(() => invocations.length > 0);

    expect(invocations.flatMap((e) => e.Records).map(sk)).toEqual(["after"]);
  });

  it("with startingPosition TRIM_HORIZON, delivers what the stream already holds", async () => {
    const tableName = `stream-${randomUUID()}`;
    await createTable({ endpoint, tableName, definition: tableDefinition });
    await put(tableName, "before");
    const invocations: DynamoDBStreamEvent[] = [];
    globalThis.__streamFixtures?.set(tableName, async (event) => void invocations.push(event));
    const poller = startStreamPoller({
      endpoint,
      tableName,
      handler: handlerRef,
      loader,
      startingPosition: "TRIM_HORIZON",
      log: (line) => logLines.push(line),
    });
    pollers.push(poller);
    await poller.ready;

    await put(tableName, "after");
    await until(() => invocations.flatMap((e) => e.Records).length >= 2);

    expect(invocations.flatMap((e) => e.Records).map(sk)).toEqual(["before", "after"]);
  });

  it("applies the app's filter: only INSERTs of EVENT# items reach the handler", async () => {
    const { tableName, invocations } = await setUp({ filters: streamSubscriber.filters as unknown as FilterPattern[] });

    await put(tableName, "ORDER");
    await put(tableName, "EVENT#0001");
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { pk: { S: "P" }, sk: { S: "EVENT#0001" } },
        UpdateExpression: "SET x = :x",
        ExpressionAttributeValues: { ":x": { S: "y" } },
      }),
    );
    await put(tableName, "EVENT#0002");
    await until(() => invocations.flatMap((e) => e.Records).some((r) => sk(r) === "EVENT#0002"));

    const delivered = invocations.flatMap((e) => e.Records);
    expect(delivered.map((r) => [r.eventName, sk(r)])).toEqual([
      ["INSERT", "EVENT#0001"],
      ["INSERT", "EVENT#0002"],
    ]);
  });

  it("respects the batch size and delivers a shard's records once each, in order", async () => {
    const { tableName, invocations } = await setUp({ batchSize: 7 });
    const keys = Array.from({ length: 60 }, (_, i) => `item-${String(i).padStart(3, "0")}`);

    await putMany(tableName, keys);
    await until(() => invocations.flatMap((e) => e.Records).length >= keys.length);

    const delivered = invocations.flatMap((e) => e.Records);
    expect(invocations.every((e) => e.Records.length >= 1 && e.Records.length <= 7)).toBe(true);
    expect(delivered.map(sk)).toEqual(keys);
    expect(delivered.every((r, i) => i === 0 || seq(delivered[i - 1] as DynamoDBRecord) < seq(r))).toBe(true);
  });

  it("retries from the first failed sequence number of a partial batch response", async () => {
    let failed = false;
    const { tableName, invocations } = await setUp({
      behaviour: (event) => {
        const target = event.Records.find((r) => sk(r) === "item-005");
        if (target && !failed) {
          failed = true;
          const later = event.Records.find((r) => sk(r) === "item-007");
          // Report two failures out of order: the retry starts at the lower sequence number.
          return {
            batchItemFailures: [later, target]
              .filter((r): r is DynamoDBRecord => r !== undefined)
              .map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber })),
          };
        }
        return { batchItemFailures: [] };
      },
    });
    const keys = Array.from({ length: 10 }, (_, i) => `item-${String(i).padStart(3, "0")}`);

    await putMany(tableName, keys);
    const failedAt = await until(() => {
      const index = invocations.findIndex((e) => e.Records.some((r) => sk(r) === "item-005"));
      const retried = index >= 0 && invocations.length > index + 1;
      const allSeen = invocations.slice(index + 1).some((e) => e.Records.some((r) => sk(r) === "item-009"));
      return retried && allSeen && index + 1;
    }).then((position) => position - 1);
    const failedBatch = invocations[failedAt] as DynamoDBStreamEvent;
    const retry = invocations[failedAt + 1] as DynamoDBStreamEvent;
    const failedIndex = failedBatch.Records.findIndex((r) => sk(r) === "item-005");
    expect(retry.Records.map(sk)).toEqual(failedBatch.Records.slice(failedIndex).map(sk));
    expect(retry.Records[0]?.eventID).toBe(failedBatch.Records[failedIndex]?.eventID);
    const firstDeliveries = [...new Set(invocations.flatMap((e) => e.Records).map(sk))];
    expect(firstDeliveries).toEqual(keys);
    const deliveriesOf = (key: string) => invocations.flatMap((e) => e.Records).filter((r) => sk(r) === key).length;
    expect(deliveriesOf("item-004")).toBe(1);
    expect(deliveriesOf("item-005")).toBe(2);
  });

  it("retries the whole batch when the handler throws, then moves on", async () => {
    let thrown = false;
    const { tableName, invocations } = await setUp({
      behaviour: (event) => {
        if (!thrown && event.Records.some((r) => sk(r) === "item-002")) {
          thrown = true;
          throw new Error("downstream unavailable");
        }
        return undefined;
      },
    });
    const keys = ["item-000", "item-001", "item-002", "item-003"];

    await putMany(tableName, keys);
    const failedAt = await until(() => {
      const index = invocations.findIndex((e) => e.Records.some((r) => sk(r) === "item-002"));
      const retriedAndDone =
        index >= 0 && invocations.slice(index + 1).some((e) => e.Records.some((r) => sk(r) === "item-003"));
      return retriedAndDone && index + 1;
    }).then((position) => position - 1);
    expect(invocations[failedAt + 1]?.Records.map(sk)).toEqual(invocations[failedAt]?.Records.map(sk));
    expect(logLines.some((line) => line.includes("downstream unavailable"))).toBe(true);
  });

  it("treats an unknown itemIdentifier as a failure of the whole batch", async () => {
    let calls = 0;
    const { tableName, invocations } = await setUp({
      behaviour: () => (++calls === 1 ? { batchItemFailures: [{ itemIdentifier: "" }] } : {}),
    });

    await put(tableName, "only");
    await until(() => invocations.length >= 2);

    expect(invocations[1]?.Records.map(sk)).toEqual(["only"]);
  });

  it("drops a batch after maxRetries and keeps delivering later records", async () => {
    const { tableName, invocations } = await setUp({
      maxRetries: 2,
      destination: false,
      behaviour: (event) => {
        if (event.Records.some((r) => sk(r) === "poison")) throw new Error("poison record");
      },
    });

    await put(tableName, "poison");
    await until(() => invocations.length >= 3);
    await put(tableName, "healthy");
    await until(() => invocations.some((e) => e.Records.some((r) => sk(r) === "healthy")));

    const poisonCalls = invocations.filter((e) => e.Records.some((r) => sk(r) === "poison")).length;
    expect(poisonCalls).toBe(3);
    expect(logLines.some((line) => line.includes("dropping 1 record(s)") && line.includes("after 2 retries"))).toBe(
      true,
    );
  });

  it("bisects a batch whose invocation fails until the poison record is alone, then sends its range to the destination", async () => {
    const { tableName, invocations, failures } = await setUp({
      bisect: true,
      maxRetries: 2,
      behaviour: (event) => {
        if (event.Records.some((r) => sk(r) === "item-005")) throw new Error("poison record");
      },
    });
    const keys = Array.from({ length: 8 }, (_, i) => `item-${String(i).padStart(3, "0")}`);

    await putMany(tableName, keys);
    await until(() => failures.length > 0 && invocations.some((e) => e.Records.some((r) => sk(r) === "item-007")));
    await until(() => invocations.flatMap((e) => e.Records).filter((r) => sk(r) === "item-007").length > 0);

    const alone = invocations.filter(
      (e) => e.Records.length === 1 && sk(e.Records[0] as DynamoDBRecord) === "item-005",
    );
    expect(alone).toHaveLength(3); // the first try alone, then 2 retries
    const poison = alone[0]?.Records[0] as DynamoDBRecord;
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      requestContext: { condition: "RetryAttemptsExhausted", approximateInvokeCount: 3 },
      DDBStreamBatchInfo: {
        startSequenceNumber: poison.dynamodb?.SequenceNumber,
        endSequenceNumber: poison.dynamodb?.SequenceNumber,
        batchSize: 1,
        streamArn: expect.stringContaining(`:table/${tableName}/stream/`),
      },
    });
    // Every healthy record was delivered, the poison one's neighbours included.
    const delivered = new Set(
      invocations.filter((e) => !e.Records.some((r) => sk(r) === "item-005")).flatMap((e) => e.Records.map(sk)),
    );
    expect([...delivered].sort()).toEqual(keys.filter((key) => key !== "item-005"));
  });

  it("treats a hanging invocation as a function error: it times out, is bisected, and the rest goes on", async () => {
    const { tableName, invocations, failures } = await setUp({
      impatient: true,
      bisect: true,
      maxRetries: 1,
      behaviour: (event) => (event.Records.some((r) => sk(r) === "hang") ? new Promise(() => undefined) : undefined),
    });

    await putMany(tableName, ["before", "hang", "after"]);
    await until(() => failures.length > 0, 20_000);
    await until(() =>
      invocations.some((e) => e.Records.length === 1 && sk(e.Records[0] as DynamoDBRecord) === "after"),
    );

    expect(failures[0]?.DDBStreamBatchInfo.batchSize).toBe(1);
    expect(logLines.some((line) => line.includes("Task timed out after 0.30 seconds"))).toBe(true);
    expect(logLines.some((line) => line.includes("splitting its"))).toBe(true);
  });

  it("gives up on records older than the maximum record age, with RecordAgeExceeded", async () => {
    const { tableName, failures } = await setUp({
      maximumRecordAgeSeconds: 1,
      maxRetries: 1000,
      behaviour: () => {
        throw new Error("still failing");
      },
    });

    await put(tableName, "old");
    await until(() => failures.length > 0, 20_000);

    expect(failures[0]?.requestContext.condition).toBe("RecordAgeExceeded");
  });
});
