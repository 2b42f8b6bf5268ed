/**
 * The realtime client from Node (the `ws` package), as the chaos tests use it, against the real
 * local stack: handlers, DynamoDB stream fan-out and the local API Gateway cutting every
 * connection after 3 s. Several customer clients and a staff feed must each end with every
 * event of the order exactly once, in `seq` order.
 */
import { menu } from "@live-orders/core/menu";
import type { OrderEvent } from "@live-orders/core/protocol";
import { type AppStack, startAppStack } from "@live-orders/local/testing/app-stack";
import { runEmulators } from "@live-orders/local/testing/run-emulators";
import { sampleOrder } from "@live-orders/local/testing/sample-order";
import { afterAll, beforeAll, expect, it } from "vitest";
import WebSocket from "ws";
import { RealtimeClient } from "../src/realtime/client";

let stack: AppStack;
const clients: RealtimeClient[] = [];

beforeAll(async () => {
  stack = await startAppStack({
    ...runEmulators(),
    // The handlers' INFO lines stay out of the test report.
    env: { POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? "WARN" },
    webSocket: { maxConnectionMs: 3_000 },
  });
});

afterAll(async () => {
  for (const client of clients) client.close();
  await stack?.stop();
});

function client(email: string): RealtimeClient {
  const created = new RealtimeClient({
    // Signed in with USER_PASSWORD_AUTH, what the browser does locally.
    ...stack.clientOptions(email),
    WebSocket,
    transport: { backoff: { minDelayMs: 100, maxDelayMs: 1_000 } },
  });
  clients.push(created);
  return created;
}

async function until(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it("delivers every event once, in order, to Node clients whose connections the gateway keeps cutting", async () => {
  const alice = client("alice@example.com");
  const staff = client("staff@example.com");
  const order = await alice.api.placeOrder({ ...sampleOrder, items: [{ sku: menu.lemonade.sku, quantity: 1 }] });

  const watchers = Array.from({ length: 4 }, () => client("alice@example.com"));
  const received = watchers.map(() => [] as OrderEvent[]);
  for (const [index, watcher] of watchers.entries()) {
    watcher.subscribeOrder(order.id, { since: 0, onEvent: (event) => received[index]!.push(event) });
  }
  const feed: OrderEvent[] = [];
  staff.subscribeOrders({ onEvent: (event) => event.orderId === order.id && feed.push(event) });
  let reconnects = 0;
  watchers[0]!.onStateChange((state) => state === "reconnecting" && reconnects++);
  await until(() => [...watchers, staff].every((each) => each.state === "connected"), 10_000);

  // Status changes over REST and chat over the WebSocket, spread over several connection cuts.
  let version = order.version;
  for (const status of ["confirmed", "preparing", "ready"] as const) {
    await new Promise((resolve) => setTimeout(resolve, 900));
    version = (await staff.api.setStatus(order.id, status, version)).version;
    await alice.sendMessage(order.id, `about ${status}?`);
  }
  const lastSeq = order.seq + 6;

  await until(() => received.every((events) => events.at(-1)?.seq === lastSeq), 20_000);
  await until(() => feed.at(-1)?.seq === lastSeq, 20_000);
  await new Promise((resolve) => setTimeout(resolve, 500)); // nothing may follow twice

  const expected = Array.from({ length: lastSeq }, (_, index) => index + 1);
  for (const events of received) expect(events.map((event) => event.seq)).toEqual(expected);
  expect(
    received[0]!.filter((event) => event.kind === "order.status").map((event) => (event as { status: string }).status),
  ).toEqual(["confirmed", "preparing", "ready"]);
  // The feed joined after the order existed: it starts after the listing's seq, then has all.
  const feedSeqs = feed.map((event) => event.seq);
  expect(feedSeqs).toEqual(expected.slice(expected.length - feedSeqs.length));
  expect(feedSeqs.length).toBeGreaterThanOrEqual(6);
  expect(reconnects, "the 3 s connection cap forced reconnects").toBeGreaterThanOrEqual(1);
}, 60_000);
