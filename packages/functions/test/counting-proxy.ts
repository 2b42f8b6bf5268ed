/**
 * Counting reverse proxies for the cost table: one in front of DynamoDB Local (handler traffic
 * only; the stream poller reads the stream directly, as Lambda's event source mapping does at no
 * table cost) and one in front of the gateway's `@connections` endpoint.
 *
 * The DynamoDB proxy adds `ReturnConsumedCapacity: INDEXES` to every request that supports it and
 * sums what DynamoDB Local reports, so capacity units are measured, not estimated.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Counter {
  counts: Map<string, number>;
  add(key: string, amount?: number): void;
  reset(): void;
  snapshot(): Record<string, number>;
}

export function createCounter(): Counter {
  const counts = new Map<string, number>();
  return {
    counts,
    add(key, amount = 1) {
      counts.set(key, (counts.get(key) ?? 0) + amount);
    },
    reset() {
      counts.clear();
    },
    snapshot() {
      return Object.fromEntries(counts);
    },
  };
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => resolve(Buffer.concat(chunks)));
    stream.on("error", reject);
  });
}

export interface CountingProxy {
  url: string;
  stop(): Promise<void>;
}

type Rewrite = (request: { method: string; path: string; headers: IncomingMessage["headers"]; body: Buffer }) => Buffer;
type Observe = (request: { method: string; path: string; headers: IncomingMessage["headers"]; body: Buffer }, status: number, response: Buffer) => void;

async function startProxy(target: string, rewrite: Rewrite, observe: Observe): Promise<CountingProxy> {
  const targetUrl = new URL(target);
  const server: Server = createServer(async (req, res) => {
    try {
      const original = await readBody(req);
      const info = { method: req.method ?? "GET", path: req.url ?? "/", headers: req.headers, body: original };
      const body = rewrite(info);
      // The Host header stays the proxy's: it is signed (SigV4), and the local management API
      // verifies signatures as AWS does. (DynamoDB Local does not, so its rewritten body passes.)
      const headers = { ...req.headers, "content-length": String(body.length) };
      const upstream = httpRequest(
        { host: targetUrl.hostname, port: targetUrl.port, method: req.method, path: req.url, headers },
        async (response) => {
          const responseBody = await readBody(response);
          observe(info, response.statusCode ?? 0, responseBody);
          res.writeHead(response.statusCode ?? 502, response.headers);
          res.end(responseBody);
        },
      );
      upstream.on("error", () => {
        res.writeHead(502);
        res.end();
      });
      upstream.end(body);
    } catch {
      res.writeHead(500);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const basePath = targetUrl.pathname.replace(/\/+$/, "");
  return {
    url: `http://127.0.0.1:${port}${basePath}`,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const readOps = new Set(["GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"]);
const capacityOps = new Set([...readOps, "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"]);

/** Counts `dynamodb.<Op>` requests and `rcu` / `wcu` consumed (from ConsumedCapacity). */
export function startDynamoDbCountingProxy(target: string, counter: Counter): Promise<CountingProxy> {
  const opOf = (headers: IncomingMessage["headers"]) => String(headers["x-amz-target"] ?? "").split(".")[1] ?? "unknown";
  return startProxy(
    target,
    ({ headers, body }) => {
      const op = opOf(headers);
      if (!capacityOps.has(op)) return body;
      const json = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
      json.ReturnConsumedCapacity = "INDEXES";
      return Buffer.from(JSON.stringify(json));
    },
    ({ headers }, status, response) => {
      const op = opOf(headers);
      counter.add(`dynamodb.${op}`);
      if (status >= 400) counter.add(`dynamodb.${op}.failed`);
      if (!capacityOps.has(op)) return;
      let consumed: unknown;
      try {
        consumed = (JSON.parse(response.toString("utf8")) as { ConsumedCapacity?: unknown }).ConsumedCapacity;
      } catch {
        return;
      }
      type Entry = {
        CapacityUnits?: number;
        Table?: { CapacityUnits?: number };
        GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
      };
      const entries = (Array.isArray(consumed) ? consumed : consumed === undefined ? [] : [consumed]) as Entry[];
      const kind = readOps.has(op) ? "rcu" : "wcu";
      for (const entry of entries) {
        counter.add(kind, entry.CapacityUnits ?? 0);
        counter.add(`${kind}.table`, entry.Table?.CapacityUnits ?? 0);
        for (const [index, units] of Object.entries(entry.GlobalSecondaryIndexes ?? {})) {
          counter.add(`${kind}.${index}`, units.CapacityUnits ?? 0);
        }
      }
    },
  );
}

/** Counts `@connections.<METHOD>` calls (and their HTTP statuses). */
export function startManagementCountingProxy(target: string, counter: Counter): Promise<CountingProxy> {
  return startProxy(
    target,
    ({ body }) => body,
    ({ method, path }, status) => {
      if (!path.includes("/@connections/")) return;
      counter.add(`@connections.${method}`);
      counter.add(`@connections.${method}.${status}`);
    },
  );
}
