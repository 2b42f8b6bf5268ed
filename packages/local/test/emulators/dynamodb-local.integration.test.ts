import { randomUUID } from "node:crypto";
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { tableDefinition } from "@live-orders/core/table-definition";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { localDynamoDbClient } from "../../src/clients";
import { createTable, type DynamoDbLocal, startDynamoDbLocal } from "../../src/dynamodb/dynamodb-local";

const endpoint = inject("dynamoEndpoint");

describe("createTable", () => {
  it("creates the table of the shared definition: keys, GSIs, stream and TTL", async () => {
    const tableName = `t-${randomUUID()}`;

    await createTable({ endpoint, tableName, definition: tableDefinition });

    const client = localDynamoDbClient(endpoint);
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    client.destroy();
    expect(Table?.KeySchema).toEqual([
      { AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ]);
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual(
      Object.keys(tableDefinition.globalIndexes).sort(),
    );
    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" });
    expect(Table?.LatestStreamArn).toMatch(/^arn:aws:dynamodb:/);
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: "expiresAt", TimeToLiveStatus: "ENABLED" });
  });

  it("is idempotent and keeps the data of an existing table", async () => {
    const tableName = `t-${randomUUID()}`;
    await createTable({ endpoint, tableName, definition: tableDefinition });
    const client = localDynamoDbClient(endpoint);
    await client.send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: "a" }, sk: { S: "b" } } }));

    await createTable({ endpoint, tableName, definition: tableDefinition });

    const { Item } = await client.send(
      new GetItemCommand({ TableName: tableName, Key: { pk: { S: "a" }, sk: { S: "b" } } }),
    );
    client.destroy();
    expect(Item).toEqual({ pk: { S: "a" }, sk: { S: "b" } });
  });
});

// Its own DynamoDB Local: building an index on the run's shared instance can stall for minutes
// while dozens of other test files hammer it (seen in CI), whereas `npm start`, the real user of
// this path, has its instance to itself.
describe("createTable on an existing table", () => {
  let privateInstance: DynamoDbLocal;
  beforeAll(async () => {
    privateInstance = await startDynamoDbLocal();
  });
  afterAll(async () => {
    await privateInstance?.stop();
  });

  it("adds an index the definition gained since the table was created", async () => {
    const endpoint = privateInstance.endpoint;
    const tableName = `t-${randomUUID()}`;
    const { gsi2: _dropped, ...olderIndexes } = tableDefinition.globalIndexes;
    await createTable({
      endpoint,
      tableName,
      definition: { ...tableDefinition, globalIndexes: olderIndexes } as never,
    });

    await createTable({ endpoint, tableName, definition: tableDefinition });

    const client = localDynamoDbClient(endpoint);
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    client.destroy();
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual(["gsi1", "gsi2"]);
  });
});
