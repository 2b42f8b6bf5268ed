/**
 * Measures, per user action, what it costs on AWS terms: DynamoDB requests and capacity units
 * (from DynamoDB Local's ConsumedCapacity), Lambda invocations per function, and `@connections`
 * calls. Counted from a run through the local API Gateway, not assumed. Prints a table and writes
 * it to `.local/cost-per-action.md`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ServerFrame } from "@live-orders/core/protocol";
import type { HandlerLoader } from "@live-orders/local/lambda/handler-loader";
import { observeInvocations } from "@live-orders/local/stack/observed-loader";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { rest, TestSocket } from "./clients";
import { createCounter, startDynamoDbCountingProxy, startManagementCountingProxy, type CountingProxy } from "./counting-proxy";
import { rootDir, startTestStack, type TestStack } from "./stack";

const counter = createCounter();
const proxies: CountingProxy[] = [];
let stack: TestStack;
let alice: string;
let staff: string;

let inFlight = 0;
let lastActivity = Date.now();

function countingLoader(loader: HandlerLoader): HandlerLoader {
  return observeInvocations(loader, (ref) => {
    counter.add(`lambda.${ref.replace("packages/functions/src/", "")}`);
    counter.add("lambda");
    inFlight += 1;
    return () => {
      inFlight -= 1;
      lastActivity = Date.now();
    };
  });
}

beforeAll(async () => {
  const dynamoProxy = await startDynamoDbCountingProxy(inject("dynamoEndpoint"), counter);
  proxies.push(dynamoProxy);
  stack = await startTestStack({
    wrapLoader: countingLoader,
    handlerEndpoints: {
      dynamodb: () => dynamoProxy.url,
      management: async (endpoint) => {
        const proxy = await startManagementCountingProxy(endpoint, counter);
        proxies.push(proxy);
        return proxy.url;
      },
    },
  });
  [alice, staff] = await Promise.all([stack.token("alice@example.com"), stack.token("staff@example.com")]);
});
afterAll(async () => {
  await stack?.stop();
  await Promise.all(proxies.map((proxy) => proxy.stop()));
});

/**
 * Wait until every invocation an action caused has finished (stream fan-out and `$disconnect`
 * run after the client already saw its reply): no handler running for 500 ms, and at least the
 * stream poller's interval since the last one.
 */
async function settle(): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (inFlight === 0 && Date.now() - lastActivity > 500) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("handlers did not settle");
}

interface Row {
  action: string;
  counts: Record<string, number>;
}
const rows: Row[] = [];

async function measure(action: string, run: () => Promise<void>): Promise<Record<string, number>> {
  await settle();
  counter.reset();
  await run();
  await settle();
  const counts = counter.snapshot();
  rows.push({ action, counts });
  return counts;
}

const n = (counts: Record<string, number>, key: string) => counts[key] ?? 0;
const dynamoRequests = (counts: Record<string, number>, ops: string[]) =>
  ops.reduce((sum, op) => sum + n(counts, `dynamodb.${op}`), 0);
const readOps = ["GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"];
const writeOps = ["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"];

function lambdaBreakdown(counts: Record<string, number>): string {
  return Object.entries(counts)
    .filter(([key]) => key.startsWith("lambda.") )
    .map(([key, value]) => `${key.slice("lambda.".length).replace(/\.handler$/, "")}×${value}`)
    .join(", ");
}

function dynamoBreakdown(counts: Record<string, number>): string {
  return Object.entries(counts)
    .filter(([key]) => key.startsWith("dynamodb.") && !key.endsWith(".failed"))
    .map(([key, value]) => `${key.slice("dynamodb.".length)}×${value}${n(counts, `${key}.failed`) ? ` (${n(counts, `${key}.failed`)} failed)` : ""}`)
    .join(", ");
}

function table(): string {
  const header = "| action | DynamoDB read req / RCU | DynamoDB write req / WCU | DynamoDB calls | Lambda invocations | @connections calls |\n|---|---|---|---|---|---|";
  const lines = rows.map(({ action, counts }) => {
    const posts = Object.entries(counts).filter(([k]) => /^@connections\.[A-Z]+$/.test(k)).map(([k, v]) => `${k.slice(13)}×${v}`).join(", ");
    const units = (kind: "rcu" | "wcu") => {
      const split = ["table", "gsi1", "gsi2"].filter((part) => n(counts, `${kind}.${part}`) > 0).map((part) => `${part} ${n(counts, `${kind}.${part}`)}`);
      return `${n(counts, kind).toFixed(1)}${split.length > 0 ? ` (${split.join(", ")})` : ""}`;
    };
    return `| ${action} | ${dynamoRequests(counts, readOps)} / ${units("rcu")} | ${dynamoRequests(counts, writeOps)} / ${units("wcu")} | ${dynamoBreakdown(counts)} | ${n(counts, "lambda")} (${lambdaBreakdown(counts)}) | ${posts || "0"} |`;
  });
  return [header, ...lines].join("\n");
}

describe("cost per action", () => {
  it("counts DynamoDB, Lambda and @connections per action", { timeout: 240_000 }, async () => {
    const order = (await rest(stack.api, alice).createOrder()).body;
    const topic = `order:${order.id}`;

    let socket: TestSocket | undefined;
    const connect = await measure("connect (authorizer + $connect)", async () => {
      socket = await TestSocket.open(stack.ws, alice);
    });
    expect(n(connect, "lambda")).toBe(2);
    const customer = socket!;

    const subscribe = await measure("subscribe order:{id} (no since)", async () => {
      await customer.request({ action: "subscribe", topic });
    });
    expect(n(subscribe, "@connections.POST")).toBe(1);

    const watchers: TestSocket[] = [];
    for (const k of [1, 10]) {
      while (watchers.length < k) {
        const watcher = await TestSocket.open(stack.ws, staff);
        await watcher.request({ action: "subscribe", topic });
        watchers.push(watcher);
      }
      // k watchers plus the sending customer are subscribed: k + 1 receivers.
      const chat = await measure(`chat message, ${k + 1} subscribers`, async () => {
        const ack = await customer.request<Extract<ServerFrame, { type: "ack" }>>({
          action: "sendMessage", orderId: order.id, text: `hello ${k}`, clientMessageId: `cost-${k}`,
        });
        await Promise.all(watchers.map((w) => w.waitForEvent(topic, ack.seq)));
      });
      expect(n(chat, "@connections.POST")).toBe(1 + k + 1);
    }

    const version = (await rest(stack.api, staff).getOrder(order.id)).body.order.version;
    const status = await measure(`status change (REST), ${watchers.length + 1} subscribers`, async () => {
      const changed = await rest(stack.api, staff).setStatus(order.id, "confirmed", version);
      await Promise.all([customer, ...watchers].map((w) => w.waitForEvent(topic, changed.body.seq)));
    });
    expect(n(status, "@connections.POST")).toBe(watchers.length + 1);

    const board = await TestSocket.open(stack.ws, staff);
    await board.request({ action: "subscribe", topic: "orders" });
    const resume = await measure("subscribe with since (replay of 3 events)", async () => {
      const current = (await rest(stack.api, staff).getOrder(order.id)).body.order.seq;
      counter.reset(); // the REST read above is not part of the action
      await board.request({ action: "subscribe", topic, since: current - 3 });
      await board.waitForEvent(topic, current);
    });
    expect(n(resume, "@connections.POST")).toBe(1 + 3);

    await measure("place order (REST POST /orders)", async () => {
      expect((await rest(stack.api, alice).createOrder()).status).toBe(201);
    });

    await measure("list orders (REST GET /orders, staff, 25 per page)", async () => {
      expect((await rest(stack.api, staff).listOrders("?limit=25")).status).toBe(200);
    });

    await measure("ping", async () => {
      await customer.request({ action: "ping" });
    });

    await measure(`disconnect (2 subscriptions)`, async () => {
      await board.close();
    });

    for (const w of watchers) await w.close();
    await customer.close();

    const output = table();
    mkdirSync(join(rootDir, ".local"), { recursive: true });
    writeFileSync(join(rootDir, ".local/cost-per-action.md"), `${output}\n`);
    writeFileSync(join(rootDir, ".local/cost-per-action.json"), `${JSON.stringify(rows, null, 2)}\n`);
    process.stdout.write(`\n${output}\n`);
    expect(rows.length).toBeGreaterThan(5);
  });
});
