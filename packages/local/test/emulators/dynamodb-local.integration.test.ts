import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { randomUUID } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { tableDefinition } from "@live-orders/core/table-definition";
import { localDynamoDbClient } from "../../src/dynamodb/clients";
import { createTable } from "../../src/dynamodb/dynamodb-local";

const endpoint = inject("dynamoEndpoint");

describe("createTable", () => {
  it("creates the table of the shared definition: keys, GSIs, stream and TTL", async () => {
    const tableName = `t-${randomUUID()}`;

    await createTable({ endpoint, tableName });

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
    await createTable({ endpoint, tableName });
    const client = localDynamoDbClient(endpoint);
    await client.send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: "a" }, sk: { S: "b" } } }));

    await createTable({ endpoint, tableName });

    const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: "a" }, sk: { S: "b" } } }));
    client.destroy();
    expect(Item).toEqual({ pk: { S: "a" }, sk: { S: "b" } });
  });

  it("adds an index the definition gained since the table was created", async () => {
    const tableName = `t-${randomUUID()}`;
    const { gsi2: _dropped, ...olderIndexes } = tableDefinition.globalIndexes;
    await createTable({ endpoint, tableName, definition: { ...tableDefinition, globalIndexes: olderIndexes } as never });

    await createTable({ endpoint, tableName });

    const client = localDynamoDbClient(endpoint);
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    client.destroy();
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual(["gsi1", "gsi2"]);
  });
});
