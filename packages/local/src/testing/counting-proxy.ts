/**
 * A reverse proxy in front of DynamoDB Local for the handlers' traffic: it asks for
 * `ReturnConsumedCapacity: INDEXES` on every operation that supports it and adds up what
 * DynamoDB reports, so capacity units are measured, not estimated. (The stream poller reads the
 * stream directly, as Lambda's event source mapping does, at no table cost; `@connections` calls
 * are metered by the gateway itself, `gateway().counts()`.)
 */
import { Agent, createServer, request as httpRequest, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

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
}

export interface DynamoDbCountingProxy {
  /** The endpoint to give the handlers instead of DynamoDB Local's. */
  readonly url: string;
  counts(): DynamoDbCounts;
  reset(): void;
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

export async function startDynamoDbCountingProxy(target: string): Promise<DynamoDbCountingProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let operations = new Map<string, number>();
  let failed = new Map<string, number>();
  let byIndex = new Map<string, CapacityUnits>();
  let byOperation = new Map<string, CapacityUnits>();
  let total: CapacityUnits = { rcu: 0, wcu: 0 };

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
      if (capacityOperations.has(operation)) {
        const json = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
        json.ReturnConsumedCapacity = "INDEXES";
        body = Buffer.from(JSON.stringify(json));
      }
      // DynamoDB Local does not verify signatures, so the re-written body needs no re-signing.
      const forward = httpRequest(
        {
          agent,
          host: upstream.hostname,
          port: upstream.port,
          method: request.method,
          path: request.url,
          headers: { ...request.headers, host: upstream.host, "content-length": String(body.length) },
        },
        async (answer) => {
          const payload = await readAll(answer);
          record(operation, answer.statusCode ?? 502, payload);
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          response.end(payload);
        },
      );
      forward.on("error", () => response.writeHead(502).end());
      forward.end(body);
    } catch {
      response.writeHead(500).end();
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
    }),
    reset() {
      operations = new Map();
      failed = new Map();
      byIndex = new Map();
      byOperation = new Map();
      total = { rcu: 0, wcu: 0 };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
