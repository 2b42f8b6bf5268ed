/** Direct reads of the test stack's table: for assertions about what was (not) written. */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { TestStack } from "./stack";

function client(stack: TestStack) {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: stack.dynamoEndpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    }),
  );
}

/** Every item of the table (a test-only Scan: the app itself never scans). */
export async function scanAll(stack: TestStack): Promise<Record<string, unknown>[]> {
  const documents = client(stack);
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  try {
    do {
      const page = await documents.send(new ScanCommand({ TableName: stack.tableName, ExclusiveStartKey: startKey, ConsistentRead: true }));
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
  } finally {
    documents.destroy();
  }
  return items;
}

export async function itemsOfConnection(stack: TestStack, connectionId: string) {
  return (await scanAll(stack)).filter((item) => item.pk === `CONN#${connectionId}` || item.sk === `CONN#${connectionId}`);
}

export async function putItem(stack: TestStack, item: Record<string, unknown>): Promise<void> {
  const documents = client(stack);
  try {
    await documents.send(new PutCommand({ TableName: stack.tableName, Item: item }));
  } finally {
    documents.destroy();
  }
}
