/**
 * Direct reads and writes of a stack's table, for assertions about what was (not) written and
 * for benchmarks that need the connection items. Test-only Scans: the app itself never scans.
 */
import { type AttributeValue, PutItemCommand, paginateScan } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { localDynamoDbClient } from "../clients";
import type { Outputs } from "../stack/local-stack";

export type RawItem = Record<string, AttributeValue>;

/** The table a stack's outputs name. */
export type TableOf = Pick<Outputs, "dynamoEndpoint" | "table">;

/** Every item of the table as DynamoDB stores it (attribute values), strongly consistent. */
export async function scanRawItems(target: TableOf): Promise<RawItem[]> {
  const client = localDynamoDbClient(target.dynamoEndpoint);
  const items: RawItem[] = [];
  try {
    for await (const page of paginateScan({ client }, { TableName: target.table, ConsistentRead: true }))
      items.push(...(page.Items ?? []));
  } finally {
    client.destroy();
  }
  return items;
}

/** Every item of the table as plain values. */
export async function scanItems(target: TableOf): Promise<Record<string, unknown>[]> {
  return (await scanRawItems(target)).map((item) => unmarshall(item));
}

/**
 * What the app writes to keep its books rather than as data: connections and their per-user
 * slots, a staff connection's heartbeat (staff presence), connect tickets, rate-limit windows (a
 * refused frame still counts). "Nothing written" means nothing but these.
 */
export const bookkeepingEntities: ReadonlySet<string> = new Set([
  "connection",
  "userConnections",
  "staffConnection",
  "connectTicket",
  "rateWindow",
]);

/** Every item but bookkeeping (`bookkeepingEntities`): orders, events, subscriptions, chat ids. */
export async function dataItems(target: TableOf): Promise<Record<string, unknown>[]> {
  return (await scanItems(target)).filter((item) => !bookkeepingEntities.has(String(item.entity)));
}

/** A connection's own item and its subscriptions (keyed by `CONN#{id}` in `pk` or `sk`). */
export async function itemsOfConnection(target: TableOf, connectionId: string): Promise<Record<string, unknown>[]> {
  return (await scanItems(target)).filter(
    (item) => item.pk === `CONN#${connectionId}` || item.sk === `CONN#${connectionId}`,
  );
}

/** The connection items (`sk = CONN`), as stored. */
export async function connectionItems(target: TableOf): Promise<RawItem[]> {
  return (await scanRawItems(target)).filter((item) => item.sk?.S === "CONN");
}

export async function putItem(target: TableOf, item: Record<string, unknown>): Promise<void> {
  const client = localDynamoDbClient(target.dynamoEndpoint);
  try {
    await client.send(
      new PutItemCommand({ TableName: target.table, Item: marshall(item, { removeUndefinedValues: true }) }),
    );
  } finally {
    client.destroy();
  }
}
