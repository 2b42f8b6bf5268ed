/**
 * A reverse proxy in front of DynamoDB Local for the handlers' traffic: it asks for
 * `ReturnConsumedCapacity: INDEXES` on every operation that supports it and adds up what
 * DynamoDB reports, so capacity units are measured, not estimated. (The stream poller reads
 * the stream directly, as Lambda's event source mapping does, at no table cost.)
 */
import { Agent, createServer, request as httpRequest, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export interface DynamoDbCounts {
  /** Requests per operation (`Query`, `PutItem`…). */
  readonly operations: Readonly<Record<string, number>>;
  /** Read and write capacity units, in total and per table/index (`table`, `gsi1`…). */
  readonly rcu: number;
  readonly wcu: number;
  readonly byIndex: Readonly<Record<string, { rcu: number; wcu: number }>>;
  readonly byOperation: Readonly<Record<string, { rcu: number; wcu: number }>>;
}

const readOps = new Set(["GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"]);
const capacityOps = new Set([...readOps, "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"]);

interface Consumed {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
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

export async function startDynamoDbCountingProxy(target: string) {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let operations = new Map<string, number>();
  let byIndex = new Map<string, { rcu: number; wcu: number }>();
  let byOperation = new Map<string, { rcu: number; wcu: number }>();
  let rcu = 0;
  let wcu = 0;

  const record = (operation: string, response: Buffer) => {
    operations.set(operation, (operations.get(operation) ?? 0) + 1);
    if (!capacityOps.has(operation)) return;
    let consumed: Consumed | Consumed[] | undefined;
    try {
      consumed = (JSON.parse(response.toString("utf8")) as { ConsumedCapacity?: Consumed | Consumed[] }).ConsumedCapacity;
    } catch {
      return;
    }
    const kind = readOps.has(operation) ? "rcu" : "wcu";
    for (const entry of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
      const units = entry.CapacityUnits ?? 0;
      if (kind === "rcu") rcu += units;
      else wcu += units;
      const slot = byOperation.get(operation) ?? { rcu: 0, wcu: 0 };
      slot[kind] += units;
      byOperation.set(operation, slot);
      const parts: [string, number][] = [["table", entry.Table?.CapacityUnits ?? 0]];
      for (const [index, value] of Object.entries(entry.GlobalSecondaryIndexes ?? {})) parts.push([index, value.CapacityUnits ?? 0]);
      for (const [name, value] of parts) {
        const slot = byIndex.get(name) ?? { rcu: 0, wcu: 0 };
        slot[kind] += value;
        byIndex.set(name, slot);
      }
    }
  };

  const server = createServer(async (request, response) => {
    try {
      const operation = String(request.headers["x-amz-target"] ?? "").split(".")[1] ?? "unknown";
      let body = await readAll(request);
      if (capacityOps.has(operation)) {
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
          record(operation, payload);
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
    counts: (): DynamoDbCounts => ({
      operations: Object.fromEntries(operations),
      rcu,
      wcu,
      byIndex: Object.fromEntries([...byIndex].map(([name, value]) => [name, { ...value }])),
      byOperation: Object.fromEntries([...byOperation].map(([name, value]) => [name, { ...value }])),
    }),
    reset() {
      operations = new Map();
      byIndex = new Map();
      byOperation = new Map();
      rcu = 0;
      wcu = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
