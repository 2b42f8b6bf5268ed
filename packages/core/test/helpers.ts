/**
 * Test helpers of the core package: a fresh table on the run's DynamoDB Local, identities, and
 * input factories. Integration tests call `useTestTable()` in `beforeAll`, before any core
 * module touches configuration.
 */
import { randomUUID } from "node:crypto";
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { inject } from "vitest";
import type { Identity } from "../src/authz";
import type { ConnectionLookup } from "../src/connections-api";
import { menu } from "../src/menu";
import { tableDefinition } from "../src/table-definition";
import type { CreateOrderInput } from "../src/validation";

declare module "vitest" {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    cognitoEndpoint: string;
  }
}

/** The table of `tableDefinition` (keys, GSIs, stream; TTL enabled separately), as the local stack and infra create it. */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const key = (hash: string, range: string) => [
    { AttributeName: hash, KeyType: "HASH" as const },
    { AttributeName: range, KeyType: "RANGE" as const },
  ];
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: Object.keys(tableDefinition.fields).map((name) => ({
      AttributeName: name,
      AttributeType: "S",
    })),
    KeySchema: key(tableDefinition.primaryIndex.hashKey, tableDefinition.primaryIndex.rangeKey),
    GlobalSecondaryIndexes: Object.entries(tableDefinition.globalIndexes).map(([name, index]) => ({
      IndexName: name,
      KeySchema: key(index.hashKey, index.rangeKey),
      Projection: { ProjectionType: "ALL" },
    })),
    StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
  };
}

/** Point core at a new table on the run's DynamoDB Local; returns its name. */
export async function useTestTable(prefix: string): Promise<{ tableName: string; endpoint: string }> {
  const endpoint = inject("dynamoEndpoint");
  const tableName = `${prefix}-${randomUUID().slice(0, 8)}`;
  Object.assign(process.env, {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    SST_RESOURCE_App: JSON.stringify({ name: "live-orders", stage: "test" }),
    SST_RESOURCE_Table: JSON.stringify({ name: tableName }),
    LIVE_ORDERS_DYNAMODB_ENDPOINT: endpoint,
  });
  const client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  await client.send(new CreateTableCommand(createTableInput(tableName)));
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: tableDefinition.ttl, Enabled: true },
    }),
  );
  client.destroy();
  return { tableName, endpoint };
}

let userCounter = 0;
export function customer(name = "customer"): Identity {
  userCounter += 1;
  return {
    userId: `${name}-${userCounter}-${randomUUID().slice(0, 6)}`,
    role: "customer",
    username: `${name}@example.com`,
  };
}
export function staffMember(): Identity {
  userCounter += 1;
  return { userId: `staff-${userCounter}-${randomUUID().slice(0, 6)}`, role: "staff", username: "staff@example.com" };
}

export function orderInput(overrides: Partial<CreateOrderInput> = {}): CreateOrderInput {
  return {
    items: [
      { sku: menu.margherita.sku, quantity: 2 },
      { sku: menu.lemonade.sku, quantity: 1 },
    ],
    contact: { name: "Alice Example", phone: "+1 555 0100" },
    fulfilment: { type: "delivery", address: "1 Main Street, Springfield" },
    ...overrides,
  };
}

/** `@connections` as API Gateway answers while every connection it is asked about is open. */
export const everyConnectionLive: ConnectionLookup = { getConnection: async () => ({}) };

/** `@connections` answering Gone (410) for the ids in `gone`, as API Gateway does once they closed. */
export function connectionsGoneFor(gone: ReadonlySet<string>): ConnectionLookup & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async getConnection(connectionId) {
      asked.push(connectionId);
      if (gone.has(connectionId)) throw Object.assign(new Error("gone"), { name: "GoneException" });
      return {};
    },
  };
}
