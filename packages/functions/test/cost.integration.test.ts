/**
 * Measures, per user action, what it costs on AWS terms: DynamoDB requests and capacity units
 * (from DynamoDB Local's ConsumedCapacity), Lambda invocations per function, and `@connections`
 * calls. Counted from a run through the local API Gateway, not assumed. Prints a table and writes
 * it to `.local/cost-per-action.md`.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ServerFrame } from "@live-orders/core/protocol";
import { type AppStack, rootDir, startAppStack } from "@live-orders/local/testing/app-stack";
import { readOperations, writeOperations } from "@live-orders/local/testing/counting-proxy";
import { responseOf } from "@live-orders/local/testing/http";
import { runEmulators } from "@live-orders/local/testing/run-emulators";
import { sampleOrder } from "@live-orders/local/testing/sample-order";
import { createOrdersApi } from "@live-orders/web/realtime/orders-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestSocket } from "./clients";

let stack: AppStack;
let alice: string;
let staff: string;
const ordersApiOf = (email: string, fetch?: typeof globalThis.fetch) =>
  createOrdersApi({ ...stack.clientOptions(email), fetch });

beforeAll(async () => {
  // The handlers' DynamoDB calls go through the counting proxy; @connections calls are metered by the gateway.
  // Staff watch the order from 11 connections here: more than the per-user cap of 10.
  stack = await startAppStack({
    ...runEmulators(),
    countDynamoDb: true,
    env: { LIVE_ORDERS_MAX_CONNECTIONS_PER_USER: "20" },
  });
  [alice, staff] = await Promise.all([stack.token("alice@example.com"), stack.token("staff@example.com")]);
});
afterAll(async () => {
  await stack?.stop();
});

/**
 * Wait until every invocation an action caused has finished (stream fan-out and `$disconnect`
 * run after the client already saw its reply): no handler running for 500 ms, and at least the
 * stream poller's interval since the last one.
 */
async function settle(): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (stack.idleMs() > 500) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("handlers did not settle");
}

/**
 * What the stack counted since the last reset, flat: `lambda` and `lambda.<handler>`,
 * `dynamodb.<Op>` (and `.failed`), `rcu`/`wcu` (and per index), `@connections.<METHOD>` (and per status).
 */
function countedSinceReset(): Record<string, number> {
  const counts: Record<string, number> = {};
  const add = (key: string, amount: number) => {
    counts[key] = (counts[key] ?? 0) + amount;
  };
  for (const [ref, { count }] of Object.entries(stack.invocations())) {
    add(`lambda.${ref.replace("packages/functions/src/", "")}`, count);
    add("lambda", count);
  }
  const dynamodb = stack.dynamoDbCounts();
  for (const [operation, count] of Object.entries(dynamodb?.operations ?? {})) add(`dynamodb.${operation}`, count);
  for (const [operation, count] of Object.entries(dynamodb?.failed ?? {})) add(`dynamodb.${operation}.failed`, count);
  for (const kind of ["rcu", "wcu"] as const) {
    if (dynamodb === undefined) continue;
    add(kind, dynamodb[kind]);
    for (const [index, units] of Object.entries(dynamodb.byIndex)) add(`${kind}.${index}`, units[kind]);
  }
  for (const kind of ["rru", "wru"] as const) {
    if (dynamodb === undefined) continue;
    add(kind, dynamodb.billed[kind]);
    for (const [index, units] of Object.entries(dynamodb.billed.byIndex)) add(`${kind}.${index}`, units[kind]);
  }
  for (const [call, count] of Object.entries(stack.gateway().counts().management)) {
    const [method, status] = call.split(" ");
    add(`@connections.${method}`, count);
    add(`@connections.${method}.${status}`, count);
  }
  return counts;
}

/** A markdown table's cells, without the padding Biome's formatter adds. */
const cellsOf = (markdown: string) =>
  markdown
    .trim()
    .split("\n")
    .map((line) => line.split("|").map((cell) => cell.trim().replace(/^-+:?$/, "---")));

/** The table docs/costs.md pins between its markers. */
function pinnedTable(): string {
  const doc = readFileSync(join(rootDir, "docs/costs.md"), "utf8");
  const start = doc.indexOf("<!-- billed-per-action:start -->");
  const end = doc.indexOf("<!-- billed-per-action:end -->");
  return start === -1 || end === -1 ? "" : doc.slice(start + "<!-- billed-per-action:start -->".length, end);
}

interface Row {
  action: string;
  counts: Record<string, number>;
}
const rows: Row[] = [];

async function measure(action: string, run: () => Promise<void>): Promise<Record<string, number>> {
  await settle();
  stack.resetCounts();
  await run();
  await settle();
  const counts = countedSinceReset();
  rows.push({ action, counts });
  return counts;
}

const n = (counts: Record<string, number>, key: string) => counts[key] ?? 0;
const dynamoRequests = (counts: Record<string, number>, ops: readonly string[]) =>
  ops.reduce((sum, op) => sum + n(counts, `dynamodb.${op}`), 0);

// The breakdowns list by name, not by which call was counted first: parallel calls (the fan-out
// and the route's reply, a disconnect's deletes) are counted in either order.
function lambdaBreakdown(counts: Record<string, number>): string {
  return Object.entries(counts)
    .filter(([key]) => key.startsWith("lambda."))
    .map(([key, value]) => `${key.slice("lambda.".length).replace(/\.handler$/, "")}×${value}`)
    .sort()
    .join(", ");
}

function dynamoBreakdown(counts: Record<string, number>): string {
  return Object.entries(counts)
    .filter(([key]) => key.startsWith("dynamodb.") && !key.endsWith(".failed"))
    .map(
      ([key, value]) =>
        `${key.slice("dynamodb.".length)}×${value}${n(counts, `${key}.failed`) ? ` (${n(counts, `${key}.failed`)} failed)` : ""}`,
    )
    .sort()
    .join(", ");
}

/** Units of `kind` in total, and per table/index where any. */
function unitsOf(counts: Record<string, number>, kind: "rcu" | "wcu" | "rru" | "wru"): string {
  const split = ["table", "gsi1", "gsi2"]
    .filter((part) => n(counts, `${kind}.${part}`) > 0)
    .map((part) => `${part} ${n(counts, `${kind}.${part}`)}`);
  return `${n(counts, kind).toFixed(1)}${split.length > 0 ? ` (${split.join(", ")})` : ""}`;
}

/** The table docs/costs.md holds: DynamoDB's units by AWS's rules, and what else each action is billed for. */
function billedTable(): string {
  const header =
    "| action | RRU (AWS rules) | WRU (AWS rules) | Local RCU / WCU (cross-check) | DynamoDB calls | Lambda invocations | @connections calls |\n|---|---|---|---|---|---|---|";
  const lines = rows.map(({ action, counts }) => {
    const posts = Object.entries(counts)
      .filter(([k]) => /^@connections\.[A-Z]+$/.test(k))
      .map(([k, v]) => `${k.slice(13)}×${v}`)
      .join(", ");
    return `| ${action} | ${unitsOf(counts, "rru")} | ${unitsOf(counts, "wru")} | ${n(counts, "rcu").toFixed(1)} / ${n(counts, "wcu").toFixed(1)} | ${dynamoBreakdown(counts)} | ${n(counts, "lambda")} (${lambdaBreakdown(counts)}) | ${posts || "0"} |`;
  });
  return [header, ...lines].join("\n");
}

function table(): string {
  const header =
    "| action | DynamoDB read req / RCU | DynamoDB write req / WCU | DynamoDB calls | Lambda invocations | @connections calls |\n|---|---|---|---|---|---|";
  const lines = rows.map(({ action, counts }) => {
    const posts = Object.entries(counts)
      .filter(([k]) => /^@connections\.[A-Z]+$/.test(k))
      .map(([k, v]) => `${k.slice(13)}×${v}`)
      .join(", ");
    const units = (kind: "rcu" | "wcu") => {
      const split = ["table", "gsi1", "gsi2"]
        .filter((part) => n(counts, `${kind}.${part}`) > 0)
        .map((part) => `${part} ${n(counts, `${kind}.${part}`)}`);
      return `${n(counts, kind).toFixed(1)}${split.length > 0 ? ` (${split.join(", ")})` : ""}`;
    };
    return `| ${action} | ${dynamoRequests(counts, readOperations)} / ${units("rcu")} | ${dynamoRequests(counts, writeOperations)} / ${units("wcu")} | ${dynamoBreakdown(counts)} | ${n(counts, "lambda")} (${lambdaBreakdown(counts)}) | ${posts || "0"} |`;
  });
  return [header, ...lines].join("\n");
}

describe("cost per action", () => {
  it("counts DynamoDB, Lambda and @connections per action", { timeout: 240_000 }, async () => {
    const order = await ordersApiOf("alice@example.com").placeOrder(sampleOrder);
    const topic = `order:${order.id}`;

    let socket: TestSocket | undefined;
    const connect = await measure("connect (POST /realtime/tickets + authorizer + $connect)", async () => {
      socket = await TestSocket.open(stack.outputs, alice);
    });
    expect(n(connect, "lambda")).toBe(3);
    const customer = socket!;

    const subscribe = await measure("subscribe order:{id} (no since)", async () => {
      await customer.request({ action: "subscribe", topic });
    });
    expect(n(subscribe, "@connections.POST")).toBe(1);

    const watchers: TestSocket[] = [];
    for (const k of [1, 10]) {
      while (watchers.length < k) {
        const watcher = await TestSocket.open(stack.outputs, staff);
        await watcher.request({ action: "subscribe", topic });
        watchers.push(watcher);
      }
      // k watchers plus the sending customer are subscribed: k + 1 receivers.
      const chat = await measure(`chat message, ${k + 1} subscribers`, async () => {
        const ack = await customer.request<Extract<ServerFrame, { type: "ack" }>>({
          action: "sendMessage",
          orderId: order.id,
          text: `hello ${k}`,
          clientMessageId: `cost-${k}`,
        });
        await Promise.all(watchers.map((w) => w.waitForEvent(topic, ack.seq)));
      });
      expect(n(chat, "@connections.POST")).toBe(1 + k + 1);
    }

    const { version } = (await ordersApiOf("staff@example.com").getOrder(order.id)).order;
    const status = await measure(`status change (REST), ${watchers.length + 1} subscribers`, async () => {
      const changed = await ordersApiOf("staff@example.com").setStatus(order.id, "confirmed", version);
      await Promise.all([customer, ...watchers].map((w) => w.waitForEvent(topic, changed.seq)));
    });
    expect(n(status, "@connections.POST")).toBe(watchers.length + 1);

    const board = await TestSocket.open(stack.outputs, staff);
    await board.request({ action: "subscribe", topic: "orders" });
    const resume = await measure("subscribe with since (replay of 3 events)", async () => {
      const current = (await ordersApiOf("staff@example.com").getOrder(order.id)).order.seq;
      stack.resetCounts(); // the REST read above is not part of the action
      await board.request({ action: "subscribe", topic, since: current - 3 });
      await board.waitForEvent(topic, current);
    });
    expect(n(resume, "@connections.POST")).toBe(1 + 3);

    await measure("place order (REST POST /orders)", async () => {
      expect(
        (await responseOf((fetch) => ordersApiOf("alice@example.com", fetch).placeOrder(sampleOrder))).status,
      ).toBe(201);
    });

    await measure("list orders (REST GET /orders, staff, 25 per page)", async () => {
      expect(
        (await responseOf((fetch) => ordersApiOf("staff@example.com", fetch).listOrders({ limit: 25 }))).status,
      ).toBe(200);
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
    const billed = billedTable();
    writeFileSync(join(rootDir, ".local/billed-per-action.md"), `${billed}\n`);
    process.stdout.write(`\n${billed}\n`);
    // docs/costs.md holds this table (its units by AWS's billing rules): a change of what an
    // action writes or reads shows here first, and the document is updated with it.
    expect(cellsOf(pinnedTable())).toEqual(cellsOf(billed));
    writeFileSync(join(rootDir, ".local/cost-per-action.json"), `${JSON.stringify(rows, null, 2)}\n`);
    process.stdout.write(`\n${output}\n`);
    expect(rows.length).toBeGreaterThan(5);
  });

  it("passes calls through uncounted while counting is paused (the bench's timed rounds), and counts again after", {
    timeout: 60_000,
  }, async () => {
    const staffApi = ordersApiOf("staff@example.com");
    await settle();
    stack.resetCounts();
    stack.setDynamoDbCounting(false);
    try {
      await ordersApiOf("alice@example.com").placeOrder(sampleOrder);
      const page = await staffApi.listOrders({ limit: 25 });
      expect(page.orders.length).toBeGreaterThan(0);
      expect(stack.dynamoDbCounts()).toMatchObject({ operations: {}, rcu: 0, wcu: 0, billed: { rru: 0, wru: 0 } });
    } finally {
      stack.setDynamoDbCounting(true);
    }
    await staffApi.listOrders({ limit: 25 });
    const counted = stack.dynamoDbCounts();
    expect(counted?.operations.Query ?? 0).toBeGreaterThan(0);
    expect(counted?.billed.rru ?? 0).toBeGreaterThan(0);
  });
});
