/**
 * DynamoDB request units by AWS's billing rules (SPEC §9; AWS-NOTES, "DynamoDB Local's consumed
 * capacity is not AWS's bill"), from what a call did: its operation, its request, and the full
 * items it touched or read (the counting proxy records those, counting-proxy.ts). DynamoDB
 * Local's ConsumedCapacity differs for transactions, index writes, failed conditions, empty
 * Queries and batch reads; it stays beside these figures as a cross-check only.
 *
 * The rules, from the DynamoDB Developer Guide ("Read and write operations", "Transactions:
 * capacity management", "Global secondary indexes: provisioned throughput considerations"):
 *  - a write is ceil(size / 1 KB) write units, size the larger of the item before and after
 *    (a delete: the item deleted); a failed conditional write is still billed (the item as it
 *    is, at least 1);
 *  - transactional writes are billed twice (prepare and commit); a cancelled transaction is
 *    billed its prepare half (an assumption: AWS documents that it consumes capacity, not how much);
 *  - each write also writes every index whose entry it creates, changes or removes: a new entry
 *    is a put, a removed one a delete, a changed one an update, and one whose index key moves is
 *    a delete plus a put, each ceil(entry size / 1 KB); index writes are not doubled by
 *    transactions (the index is maintained asynchronously, outside the transaction);
 *  - a read is ceil(size / 4 KB) read units strongly consistent, half that eventually
 *    consistent; GetItem of a missing item still costs the minimum; a Query sums the sizes of
 *    the items it evaluated (before any filter or projection) and rounds once, at least the
 *    minimum even when empty; BatchGetItem rounds every item up on its own.
 */
import { tableDefinition } from "@live-orders/core/table-definition";

/** DynamoDB's attribute-value JSON, as on the wire. */
// biome-ignore lint/suspicious/noExplicitAny: the wire's attribute values.
export type WireItem = Record<string, any>;

export interface RequestUnits {
  /** Read request units. */
  rru: number;
  /** Write request units. */
  wru: number;
}

/** Units per table/index (`table`, `gsi1`…) of one call. */
export type UnitsByIndex = Record<string, RequestUnits>;

/** What one call did, as the counting proxy saw it. */
export interface RecordedCall {
  operation: string;
  request: WireItem;
  /** False when DynamoDB refused the call (a failed condition, a cancelled transaction). */
  succeeded: boolean;
  /** Writes: every item written, by key, as it was before and after the call (undefined: absent). */
  writes: { table: string; before: WireItem | undefined; after: WireItem | undefined; transactional: boolean }[];
  /** Reads: per read request, the full items it evaluated (and on which index), and its consistency. */
  reads: { index: string; items: (WireItem | undefined)[]; consistent: boolean; rounding: "per-item" | "summed" }[];
}

/** DynamoDB's item size: attribute names plus values (strings as UTF-8, numbers ~1 byte per 2 digits + 1). */
export function itemBytes(item: WireItem): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name) + valueBytes(value);
  return size;
}

function valueBytes(value: WireItem): number {
  if (typeof value.S === "string") return Buffer.byteLength(value.S);
  if (typeof value.N === "string") {
    const digits = value.N.replace(/^-/, "").replace(".", "").replace(/^0+/, "").replace(/0+$/, "");
    return Math.ceil(Math.max(1, digits.length) / 2) + 1;
  }
  if (typeof value.B === "string") return Buffer.from(value.B, "base64").byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.M !== undefined) return 3 + Object.keys(value.M).length + itemBytes(value.M);
  if (Array.isArray(value.L))
    return 3 + value.L.reduce((sum: number, element: WireItem) => sum + 1 + valueBytes(element), 0);
  if (Array.isArray(value.SS)) return value.SS.reduce((sum: number, s: string) => sum + Buffer.byteLength(s), 0);
  if (Array.isArray(value.NS)) return value.NS.reduce((sum: number, n: string) => sum + valueBytes({ N: n }), 0);
  return 0;
}

const writeUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));
const readUnits = (bytes: number, consistent: boolean) => Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);

interface IndexShape {
  hashKey: string;
  rangeKey: string;
  /** Attributes projected besides the keys; undefined: ALL. */
  projection?: readonly string[];
}

const indexes = tableDefinition.globalIndexes as Record<string, IndexShape>;
const primaryKeys = [tableDefinition.primaryIndex.hashKey, tableDefinition.primaryIndex.rangeKey];

/** The index entry of an item (keys plus projected attributes), or undefined when the item has no entry. */
export function indexEntry(item: WireItem | undefined, index: IndexShape): WireItem | undefined {
  if (item === undefined || item[index.hashKey] === undefined || item[index.rangeKey] === undefined) return undefined;
  if (index.projection === undefined) return item;
  const kept = new Set([...primaryKeys, index.hashKey, index.rangeKey, ...index.projection]);
  return Object.fromEntries(Object.entries(item).filter(([name]) => kept.has(name)));
}

const sameValue = (a: WireItem | undefined, b: WireItem | undefined) => JSON.stringify(a) === JSON.stringify(b);
const sameEntry = (a: WireItem, b: WireItem) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => sameValue(v, b[k]));

/** Index writes of one item write: put, delete, update, or delete + put when the index key moves. */
function indexWrites(before: WireItem | undefined, after: WireItem | undefined): UnitsByIndex {
  const units: UnitsByIndex = {};
  for (const [name, index] of Object.entries(indexes)) {
    const old = indexEntry(before, index);
    const next = indexEntry(after, index);
    let wru = 0;
    if (old === undefined && next !== undefined) wru = writeUnits(itemBytes(next));
    else if (old !== undefined && next === undefined) wru = writeUnits(itemBytes(old));
    else if (old !== undefined && next !== undefined) {
      const moved =
        !sameValue(old[index.hashKey], next[index.hashKey]) || !sameValue(old[index.rangeKey], next[index.rangeKey]);
      if (moved) wru = writeUnits(itemBytes(old)) + writeUnits(itemBytes(next));
      else if (!sameEntry(old, next)) wru = writeUnits(Math.max(itemBytes(old), itemBytes(next)));
    }
    if (wru > 0) units[name] = { rru: 0, wru };
  }
  return units;
}

function add(into: UnitsByIndex, index: string, units: Partial<RequestUnits>): void {
  const slot = into[index] ?? { rru: 0, wru: 0 };
  into[index] = slot;
  slot.rru += units.rru ?? 0;
  slot.wru += units.wru ?? 0;
}

/** The units AWS bills for one call, per table/index. */
export function billedUnits(call: RecordedCall): UnitsByIndex {
  const units: UnitsByIndex = {};
  for (const write of call.writes) {
    const size = Math.max(write.before ? itemBytes(write.before) : 0, write.after ? itemBytes(write.after) : 0);
    if (!call.succeeded) {
      // Nothing was written: the failed condition (or the cancelled transaction's prepare) is billed.
      add(units, "table", { wru: writeUnits(size) });
      continue;
    }
    add(units, "table", { wru: writeUnits(size) * (write.transactional ? 2 : 1) });
    for (const [index, indexUnits] of Object.entries(indexWrites(write.before, write.after)))
      add(units, index, indexUnits);
  }
  for (const read of call.reads) {
    // An index Query reads index entries: the keys and what the index projects.
    const index = indexes[read.index];
    const entries = index === undefined ? read.items : read.items.map((item) => indexEntry(item, index));
    const sizes = entries.map((item) => (item === undefined ? 0 : itemBytes(item)));
    const rru =
      read.rounding === "per-item"
        ? sizes.reduce((sum, bytes) => sum + readUnits(bytes, read.consistent), 0)
        : readUnits(
            sizes.reduce((sum, bytes) => sum + bytes, 0),
            read.consistent,
          );
    add(units, read.index, { rru });
  }
  return units;
}

/** The sum of several calls' units, per table/index and in total. */
export function totalUnits(calls: readonly UnitsByIndex[]): RequestUnits & { byIndex: UnitsByIndex } {
  const byIndex: UnitsByIndex = {};
  for (const call of calls) for (const [index, units] of Object.entries(call)) add(byIndex, index, units);
  const all = Object.values(byIndex);
  return {
    rru: all.reduce((sum, units) => sum + units.rru, 0),
    wru: all.reduce((sum, units) => sum + units.wru, 0),
    byIndex,
  };
}

/**
 * List prices, us-east-1, on demand (checked December 2026). The WebSocket and AppSync figures
 * are the first price tier.
 */
export const prices = {
  /** DynamoDB on demand, per million request units. */
  writeRequestUnit: 0.625,
  readRequestUnit: 0.125,
  /** Lambda per million requests, per GB-second by architecture. */
  lambdaRequest: 0.2,
  lambdaGbSecond: { arm64: 0.0000133334, x86_64: 0.0000166667 },
  /** HTTP API, per million requests (each 512 KB unit). */
  httpApiRequest: 1.0,
  /** WebSocket API, per million messages (32 KB units, both directions) and connection-minutes. */
  webSocketMessage: 1.0,
  webSocketConnectionMinute: 0.25,
  /** AppSync Events, per million Event API operations (publishes and deliveries, 5 KB units) and connection-minutes. */
  appSyncEventsOperation: 1.0,
  appSyncEventsConnectionMinute: 0.08,
} as const;

/** Dollars for the request units. */
export const dynamoDbDollars = (units: RequestUnits) =>
  (units.rru * prices.readRequestUnit + units.wru * prices.writeRequestUnit) / 1_000_000;

/** Dollars for Lambda: requests plus GB-seconds at the function's memory and architecture. */
export const lambdaDollars = (invocations: number, ms: number, memoryMb: number, architecture: "arm64" | "x86_64") =>
  (invocations * prices.lambdaRequest) / 1_000_000 +
  (ms / 1000) * (memoryMb / 1024) * prices.lambdaGbSecond[architecture];

/** WebSocket API messages are billed in 32 KB units. */
export const webSocketMessageUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / (32 * 1024)));

/** AppSync Events meters a message in 5 KB units. */
export const appSyncEventsOperationUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / (5 * 1024)));

/** The keys of an item as the request names it (Put: taken from the item). */
export function keyOf(item: WireItem): WireItem {
  return Object.fromEntries(primaryKeys.map((name) => [name, item[name]]));
}
