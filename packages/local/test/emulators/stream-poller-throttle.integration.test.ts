import { randomUUID } from "node:crypto";
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { tableDefinition } from "@live-orders/core/table-definition";
import type { DynamoDBStreamEvent } from "aws-lambda";
import { afterAll, describe, expect, inject, it } from "vitest";
import { localDynamoDbClient } from "../../src/clients";
import { createTable } from "../../src/dynamodb/dynamodb-local";
import { TooManyRequestsException } from "../../src/lambda/errors";
import type { HandlerLoader } from "../../src/lambda/handler-loader";
import { startStreamPoller } from "../../src/streams/stream-poller";

const endpoint = inject("dynamoEndpoint");
const dynamodb = localDynamoDbClient(endpoint);
afterAll(() => dynamodb.destroy());

describe("stream poller and a throttled function", () => {
  it("retries a throttled batch until the function takes it, without spending the retries of function errors", async () => {
    const tableName = `throttle-${randomUUID()}`;
    await createTable({ endpoint, tableName, definition: tableDefinition });
    const throttledCalls = 5;
    let calls = 0;
    const delivered: DynamoDBStreamEvent[] = [];
    // The function is at its reserved concurrency for its first invocations, as the pool answers then.
    const throttlingFunction: HandlerLoader = {
      load: async () => async () => undefined,
      async invoke(_ref, event) {
        calls += 1;
        if (calls <= throttledCalls) throw new TooManyRequestsException();
        delivered.push(event as DynamoDBStreamEvent);
        return undefined;
      },
      close: async () => undefined,
    };
    const log: string[] = [];
    const poller = startStreamPoller({
      endpoint,
      tableName,
      handler: "subscriber.handler",
      loader: throttlingFunction,
      // Fewer retries than throttles: were throttles counted, the batch would be dropped.
      maxRetries: 1,
      retryBaseDelayMs: 10,
      retryMaxDelayMs: 50,
      log: (line) => log.push(line),
    });
    try {
      await poller.ready;

      await dynamodb.send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: "P" }, sk: { S: "one" } } }));

      await expect.poll(() => delivered.length, { timeout: 10_000 }).toBe(1);
      expect(delivered[0]?.Records.map((record) => record.dynamodb?.Keys?.sk?.S)).toEqual(["one"]);
      expect(calls).toBe(throttledCalls + 1);
      expect(log.filter((line) => line.includes("throttled (TooManyRequestsException)"))).toHaveLength(throttledCalls);
      expect(log.join("\n")).not.toMatch(/dropping/);
    } finally {
      await poller.stop();
    }
  });
});
