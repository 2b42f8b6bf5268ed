/**
 * A reverse proxy in front of DynamoDB Local for the handlers' traffic. It bills every call by
 * AWS's rules (`billed`: aws-billing.ts, from the items the call touched, which billed-call.ts
 * reads beside it), and it also asks for `ReturnConsumedCapacity: INDEXES` and adds up what
 * DynamoDB Local reports (`rcu`/`wcu`), which differs from AWS's bill and is kept as a cross-check. (The stream poller reads the
 * stream directly, as Lambda's event source mapping does, at no table cost; `@connections` calls
 * are metered by the gateway itself, `gateway().counts()`.)
 */
import { Agent, createServer, request as httpRequest, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { billedUnits, type RequestUnits, totalUnits, type UnitsByIndex, type WireItem } from "./aws-billing";
import { recordCall } from "./billed-call";

export interface CapacityUnits {
  rcu: number;
  wcu: number;
}

export interface DynamoDbCounts {
  /** Requests per operation (`Query`, `PutItem`…), and of those the ones DynamoDB refused (4xx/5xx). */
  readonly operations: Readonly<Record<string, number>>;
  readonly failed: Readonly<Record<string, number>>;
  /** Read and write capacity units, in total, per table/index (`table`, `gsi1`…) and per operation. */
  readonly rcu: number;
  readonly wcu: number;
  readonly byIndex: Readonly<Record<string, CapacityUnits>>;
  readonly byOperation: Readonly<Record<string, CapacityUnits>>;
  /**
   * Request units by AWS's billing rules: in total, per table/index, per operation, and per
   * operation and partition-key prefix (`Query TOPIC#`: the prefix up to the first `#` of the
   * key condition's first value, how a single-table design tells its entities apart).
   */
  readonly billed: RequestUnits & {
    byIndex: UnitsByIndex;
    byOperation: Record<string, RequestUnits>;
    byPartitionPrefix: Record<string, RequestUnits>;
  };
}

export interface DynamoDbCountingProxy {
  /** The endpoint to give the handlers instead of DynamoDB Local's. */
  readonly url: string;
  counts(): DynamoDbCounts;
  reset(): void;
  /**
   * Off: calls pass straight through, neither billed nor counted. Billing a call reads the items
   * it touched beside it (billed-call.ts) before answering, which slows DynamoDB Local's single
   * writer thread; a timed run turns it off and bills a window of its own instead.
   */
  setCounting(enabled: boolean): void;
  stop(): Promise<void>;
}

export const readOperations: readonly string[] = ["GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"];
export const writeOperations: readonly string[] = [
  "PutItem",
  "UpdateItem",
  "DeleteItem",
  "BatchWriteItem",
  "TransactWriteItems",
];
const capacityOperations = new Set([...readOperations, ...writeOperations]);

interface Consumed {
  CapacityUnits?: number;
  Table?: { CapacityUnits?: number };
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => resolve(Buffer.concat(chunks)));
    stream.on("error", reject);
  });
}

const add = (map: Map<string, number>, key: string, amount = 1) => map.set(key, (map.get(key) ?? 0) + amount);
const addUnits = (map: Map<string, CapacityUnits>, key: string, kind: keyof CapacityUnits, units: number) => {
  const slot = map.get(key) ?? { rcu: 0, wcu: 0 };
  slot[kind] += units;
  map.set(key, slot);
};
const copyUnits = (map: Map<string, CapacityUnits>) =>
  Object.fromEntries([...map].map(([name, value]) => [name, { ...value }]));

/** `TOPIC#` of a Query whose key condition's first value is `TOPIC#orders`; the operation's own key otherwise. */
function partitionPrefix(operation: string, request: WireItem): string {
  const value =
    operation === "Query"
      ? (Object.values(request.ExpressionAttributeValues ?? {})[0] as WireItem | undefined)?.S
      : (request.Key?.pk?.S ?? request.Item?.pk?.S);
  return typeof value === "string" ? `${value.split("#")[0]}#` : "";
}

function sumBy<T extends { units: UnitsByIndex }>(
  entries: T[],
  keyOf: (entry: T) => string,
): Record<string, RequestUnits> {
  const groups = new Map<string, UnitsByIndex[]>();
  for (const entry of entries) {
    const key = keyOf(entry);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [entry.units]);
    else group.push(entry.units);
  }
  return Object.fromEntries(
    [...groups].map(([key, units]) => {
      const { rru, wru } = totalUnits(units);
      return [key, { rru, wru }];
    }),
  );
}

export async function startDynamoDbCountingProxy(target: string): Promise<DynamoDbCountingProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let operations = new Map<string, number>();
  let failed = new Map<string, number>();
  let byIndex = new Map<string, CapacityUnits>();
  let byOperation = new Map<string, CapacityUnits>();
  let total: CapacityUnits = { rcu: 0, wcu: 0 };
  let billed: { operation: string; prefix: string; units: UnitsByIndex }[] = [];
  let counting = true;

  const record = (operation: string, status: number, response: Buffer) => {
    add(operations, operation);
    if (status >= 400) add(failed, operation);
    if (!capacityOperations.has(operation)) return;
    let consumed: Consumed | Consumed[] | undefined;
    try {
      consumed = (JSON.parse(response.toString("utf8")) as { ConsumedCapacity?: Consumed | Consumed[] })
        .ConsumedCapacity;
    } catch {
      return;
    }
    const kind = readOperations.includes(operation) ? "rcu" : "wcu";
    for (const entry of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
      total[kind] += entry.CapacityUnits ?? 0;
      addUnits(byOperation, operation, kind, entry.CapacityUnits ?? 0);
      addUnits(byIndex, "table", kind, entry.Table?.CapacityUnits ?? 0);
      for (const [index, value] of Object.entries(entry.GlobalSecondaryIndexes ?? {}))
        addUnits(byIndex, index, kind, value.CapacityUnits ?? 0);
    }
  };

  const server = createServer(async (request, response) => {
    try {
      const operation = String(request.headers["x-amz-target"] ?? "").split(".")[1] ?? "unknown";
      let body = await readAll(request);
      // DynamoDB Local does not verify signatures, so re-written bodies need no re-signing; its
      // database is chosen by the credentials, so the proxy's own requests carry the caller's.
      const send = (target: string, payload: Buffer) =>
        new Promise<{ status: number; headers: IncomingMessage["headers"]; payload: Buffer; json: WireItem }>(
          (resolve, reject) => {
            const forward = httpRequest(
              {
                agent,
                host: upstream.hostname,
                port: upstream.port,
                method: request.method,
                path: request.url,
                headers: {
                  ...request.headers,
                  host: upstream.host,
                  "x-amz-target": `DynamoDB_20120810.${target}`,
                  "content-length": String(payload.length),
                },
              },
              async (answer) => {
                const body = await readAll(answer);
                let json: WireItem = {};
                try {
                  json = JSON.parse(body.toString("utf8")) as WireItem;
                } catch {
                  // Not JSON: nothing to bill from it.
                }
                resolve({ status: answer.statusCode ?? 502, headers: answer.headers, payload: body, json });
              },
            );
            forward.on("error", reject);
            forward.end(payload);
          },
        );
      if (!counting || !capacityOperations.has(operation)) {
        const answer = await send(operation, body);
        response.writeHead(answer.status, answer.headers).end(answer.payload);
        return;
      }
      const json = JSON.parse(body.toString("utf8")) as WireItem;
      body = Buffer.from(JSON.stringify({ ...json, ReturnConsumedCapacity: "INDEXES" }));
      const { answer, call } = await recordCall(
        operation,
        json,
        async (target, shadow) => send(target, Buffer.from(JSON.stringify(shadow))),
        () => send(operation, body),
      );
      record(operation, answer.status, answer.payload);
      billed.push({ operation, prefix: partitionPrefix(operation, json), units: billedUnits(call) });
      response.writeHead(answer.status, answer.headers).end(answer.payload);
    } catch {
      if (!response.headersSent) response.writeHead(502);
      response.end();
    }
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts: () => ({
      operations: Object.fromEntries(operations),
      failed: Object.fromEntries(failed),
      rcu: total.rcu,
      wcu: total.wcu,
      byIndex: copyUnits(byIndex),
      byOperation: copyUnits(byOperation),
      billed: {
        ...totalUnits(billed.map((entry) => entry.units)),
        byOperation: sumBy(billed, (entry) => entry.operation),
        byPartitionPrefix: sumBy(billed, (entry) => `${entry.operation} ${entry.prefix}`),
      },
    }),
    setCounting(enabled) {
      counting = enabled;
    },
    reset() {
      operations = new Map();
      failed = new Map();
      byIndex = new Map();
      byOperation = new Map();
      total = { rcu: 0, wcu: 0 };
      billed = [];
    },
    stop: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
