/**
 * What the counting proxy needs to bill a call by AWS's rules (aws-billing.ts): the full items a
 * write touched, before and after, and the full items a read evaluated. It asks DynamoDB Local
 * for them with requests of its own beside the call (consistent GetItems of the written keys,
 * the Query again without its projection and filter), which are not counted. They run before the
 * call is answered, so a test that reads the counts after its action has settled sees them all,
 * and no later write of the caller's changes what they read. They cost the call latency and
 * DynamoDB Local's one SQLite thread a second pass (the fan-out's Query of 1 000 subscribers is
 * read twice), so the bench times its rounds with counting off (`setCounting`).
 */
import { keyOf, type RecordedCall, type WireItem } from "./aws-billing";

/** Sends one DynamoDB request upstream as the handler's was sent (same credentials, uncounted). */
export type Upstream = (operation: string, body: WireItem) => Promise<{ status: number; json: WireItem }>;

interface WriteTarget {
  table: string;
  key: WireItem;
  transactional: boolean;
}

function writeTargets(operation: string, request: WireItem): WriteTarget[] {
  switch (operation) {
    case "PutItem":
      return [{ table: request.TableName, key: keyOf(request.Item), transactional: false }];
    case "UpdateItem":
    case "DeleteItem":
      return [{ table: request.TableName, key: request.Key, transactional: false }];
    case "TransactWriteItems":
      return (request.TransactItems as WireItem[]).map((item) => {
        const [kind, action] = Object.entries(item)[0] as [string, WireItem];
        return {
          table: action.TableName,
          key: kind === "Put" ? keyOf(action.Item) : action.Key,
          transactional: true,
        };
      });
    case "BatchWriteItem":
      return Object.entries(request.RequestItems as Record<string, WireItem[]>).flatMap(([table, requests]) =>
        requests.map((entry) => ({
          table,
          key: entry.PutRequest ? keyOf(entry.PutRequest.Item) : entry.DeleteRequest.Key,
          transactional: false,
        })),
      );
    default:
      return [];
  }
}

/** The placeholders (`#name`, `:value`) an expression uses. */
const placeholders = (expression: string | undefined, sigil: "#" | ":") =>
  new Set((expression ?? "").match(sigil === "#" ? /#[A-Za-z0-9_]+/g : /:[A-Za-z0-9_]+/g) ?? []);

/** The Query as DynamoDB evaluates it: every item its key condition reads, before filter and projection. */
function evaluatedQuery(request: WireItem): WireItem {
  const { ProjectionExpression, FilterExpression, Select, ReturnConsumedCapacity, ...rest } = request;
  const names = placeholders(rest.KeyConditionExpression, "#");
  const values = placeholders(rest.KeyConditionExpression, ":");
  const pick = (record: WireItem | undefined, used: Set<string>) =>
    record === undefined ? undefined : Object.fromEntries(Object.entries(record).filter(([k]) => used.has(k)));
  const ean = pick(rest.ExpressionAttributeNames, names);
  const eav = pick(rest.ExpressionAttributeValues, values);
  return {
    ...rest,
    ExpressionAttributeNames: ean && Object.keys(ean).length > 0 ? ean : undefined,
    ExpressionAttributeValues: eav && Object.keys(eav).length > 0 ? eav : undefined,
  };
}

/** Records what one call touched, around `send` (which forwards the call itself). */
export async function recordCall<T extends { status: number; json: WireItem }>(
  operation: string,
  request: WireItem,
  upstream: Upstream,
  send: () => Promise<T>,
): Promise<{ answer: T; call: RecordedCall }> {
  const getItem = async (table: string, key: WireItem, consistent: boolean) =>
    (await upstream("GetItem", { TableName: table, Key: key, ConsistentRead: consistent })).json.Item as
      | WireItem
      | undefined;
  const targets = writeTargets(operation, request);
  const before = await Promise.all(targets.map((target) => getItem(target.table, target.key, true)));
  const answer = await send();
  const succeeded = answer.status < 300;
  const after = await Promise.all(targets.map((target) => getItem(target.table, target.key, true)));
  const writes = targets.map((target, i) => ({
    table: target.table,
    before: before[i],
    after: after[i],
    transactional: target.transactional,
  }));

  const reads: RecordedCall["reads"] = [];
  if (operation === "GetItem") {
    reads.push({
      index: "table",
      items: [await getItem(request.TableName, request.Key, request.ConsistentRead === true)],
      consistent: request.ConsistentRead === true,
      rounding: "per-item",
    });
  } else if (operation === "Query" && succeeded) {
    const evaluated = await upstream("Query", evaluatedQuery(request));
    reads.push({
      index: request.IndexName ?? "table",
      items: (evaluated.json.Items as WireItem[] | undefined) ?? [],
      consistent: request.ConsistentRead === true,
      rounding: "summed",
    });
  } else if (operation === "BatchGetItem" && succeeded) {
    for (const [table, entry] of Object.entries(request.RequestItems as Record<string, WireItem>)) {
      const consistent = entry.ConsistentRead === true;
      const items = await Promise.all((entry.Keys as WireItem[]).map((key) => getItem(table, key, consistent)));
      reads.push({ index: "table", items, consistent, rounding: "per-item" });
    }
  }
  return { answer, call: { operation, request, succeeded, writes, reads } };
}
