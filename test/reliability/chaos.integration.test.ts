/**
 * Chaos (SPEC §4 delivery guarantee, §9): 50+ realtime clients — the web package's client, in
 * Node, with `ws` and real cognito-local tokens — on several orders while 500+ status and chat
 * events flow, and meanwhile:
 *  - sockets are killed at random without a close frame (a phone losing its network),
 *  - the local API Gateway is restarted (stop + start on the same ports: every socket drops,
 *    REST is briefly refused),
 *  - live connections are deleted through `@connections` (the server cuts them),
 *  - ghost connections (a lost `$disconnect`: items left, socket gone) sit in every topic, so the
 *    fan-out meets real 410 GoneExceptions.
 * Afterwards every client holds every event of its topics exactly once and in order, equal to
 * the events stored in DynamoDB, and the ghosts are gone (cleaned up on 410).
 */
import { DeleteConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";
import { GetItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { register as registerConnection } from "@live-orders/core/connection";
import type { Order, OrderEvent, Topic } from "@live-orders/core/protocol";
import { retry } from "@live-orders/core/retry";
import { put as putSubscription } from "@live-orders/core/subscription";
import { localDynamoDbClient, localManagementApiClient } from "@live-orders/local/clients";
import { type AppStack, startAppStack } from "@live-orders/local/testing/app-stack";
import { runEmulators } from "@live-orders/local/testing/run-emulators";
import { sampleOrder } from "@live-orders/local/testing/sample-order";
import { connectionItems } from "@live-orders/local/testing/table";
import { RealtimeClient } from "@live-orders/web/realtime/client";
import type { ServerError } from "@live-orders/web/realtime/errors";
import { createOrdersApi } from "@live-orders/web/realtime/orders-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";

const ordersPerCustomer = 3;
const clientsPerCustomer = 18;
const feedClients = 10;
const staffOrderClients = 6;
const chatMessages = Number(process.env.CHAOS_MESSAGES ?? 480);
/** CHAOS_DEBUG=1 prints the run's progress (what it waits for) to stderr. */
const debug = (line: string) =>
  process.env.CHAOS_DEBUG
    ? process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}\n`)
    : undefined;
const ghostCount = 20;

interface Observed {
  name: string;
  client: RealtimeClient;
  socket: { current?: WebSocket };
  /** Received events per order id, in arrival order (after the client's dedup/reorder). */
  events: Map<string, OrderEvent[]>;
  orderIds: string[];
}

let stack: AppStack;
const tokens = new Map<string, string>();
beforeAll(async () => {
  stack = await startAppStack({
    ...runEmulators(),
    // A load test of one stack, not of the per-user limits: the writers push hundreds of frames
    // and messages within a window, every customer holds 18 connections, and the chaos makes
    // every client reconnect (a ticket each) again and again.
    env: {
      LIVE_ORDERS_RATE_LIMIT_FRAMES: "unlimited",
      LIVE_ORDERS_RATE_LIMIT_CHAT: "unlimited",
      LIVE_ORDERS_RATE_LIMIT_TICKETS: "unlimited",
      LIVE_ORDERS_MAX_CONNECTIONS_PER_USER: "1000",
    },
  });
  // The ghost connections are registered through core, in this process, as a handler would:
  // with the handlers' environment (the table and DynamoDB Local's endpoint).
  Object.assign(process.env, stack.handlerEnvironment);
});
afterAll(() => stack?.stop());

/**
 * Retry what fails because the stack is briefly away (a gateway restart: connection refused,
 * reset) — not what the server refused on purpose (a 4xx other than 429).
 */
function withRetry<T>(work: () => Promise<T>, attempts = 160): Promise<T> {
  return retry(work, {
    policy: { minDelayMs: 250, maxDelayMs: 250, factor: 1, jitter: 0, attempts },
    retryable: (error) => {
      const status = (error as ServerError).status;
      return status === undefined || status < 400 || status >= 500 || status === 429;
    },
  });
}

/** The REST client of the web app, as a user whose token the test holds (and refreshes). */
const ordersApiOf = (email: string) =>
  createOrdersApi({ apiUrl: stack.outputs.api, getToken: ({ forceRefresh }) => token(email, forceRefresh) });

async function token(email: string, forceRefresh = false): Promise<string> {
  if (forceRefresh || !tokens.has(email)) tokens.set(email, await withRetry(() => stack.token(email)));
  return tokens.get(email) as string;
}

/** A `ws` class that remembers its latest socket, so the test can cut it. */
function trackedWebSocket(holder: { current?: WebSocket }) {
  return class TrackedWebSocket extends WebSocket {
    constructor(url: string) {
      super(url);
      holder.current = this;
    }
  };
}

function realtimeClient(email: string, name: string, orderIds: string[]): Observed {
  const socket: { current?: WebSocket } = {};
  const client = new RealtimeClient({
    wsUrl: stack.outputs.ws,
    apiUrl: stack.outputs.api,
    WebSocket: trackedWebSocket(socket),
    getToken: ({ forceRefresh }) => token(email, forceRefresh),
    // Quick reconnects keep the test short; the jitter stays.
    transport: { backoff: { minDelayMs: 50, maxDelayMs: 1_000 }, minUptimeMs: 500 },
    gapFillDelayMs: 200,
    ackTimeoutMs: 3_000,
  });
  return { name, client, socket, events: new Map(orderIds.map((id) => [id, []])), orderIds };
}

const record = (observed: Observed) => (event: OrderEvent) => {
  const list = observed.events.get(event.orderId);
  if (list) list.push(event);
  else observed.events.set(event.orderId, [event]);
};

/** Subscriptions the server refused (none may be: every client subscribes to what it may see). */
const refusals: string[] = [];
const refused = (observed: Observed) => (error: Error) => refusals.push(`${observed.name}: ${error.message}`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("chaos", () => {
  it("every client ends with every event of its topics exactly once, in order, through kills, a gateway restart and 410s", async () => {
    // Prepare: orders of two customers, 52 observing clients, 20 ghosts in every topic.
    const alice = ordersApiOf("alice@example.com");
    const bob = ordersApiOf("bob@example.com");
    const staff = ordersApiOf("staff@example.com");
    const aliceOrders = await Promise.all(
      Array.from({ length: ordersPerCustomer }, () => alice.placeOrder(sampleOrder)),
    );
    const bobOrders = await Promise.all(Array.from({ length: ordersPerCustomer }, () => bob.placeOrder(sampleOrder)));
    const orders: Order[] = [...aliceOrders, ...bobOrders];
    const allIds = orders.map((order) => order.id);

    const observers: Observed[] = [];
    for (const [email, own] of [
      ["alice@example.com", aliceOrders],
      ["bob@example.com", bobOrders],
    ] as const) {
      for (let i = 0; i < clientsPerCustomer; i++) {
        const observed = realtimeClient(
          email,
          `${email}#${i}`,
          own.map((o) => o.id),
        );
        for (const order of own)
          observed.client.subscribeOrder(order.id, { since: 0, onEvent: record(observed), onError: refused(observed) });
        observers.push(observed);
      }
    }
    for (let i = 0; i < feedClients; i++) {
      const observed = realtimeClient("staff@example.com", `feed#${i}`, allIds);
      observed.client.subscribeOrders({
        since: Object.fromEntries(allIds.map((id) => [id, 0])),
        onEvent: record(observed),
        onError: refused(observed),
      });
      observers.push(observed);
    }
    for (let i = 0; i < staffOrderClients; i++) {
      const observed = realtimeClient("staff@example.com", `staff-orders#${i}`, allIds);
      for (const id of allIds)
        observed.client.subscribeOrder(id, { since: 0, onEvent: record(observed), onError: refused(observed) });
      observers.push(observed);
    }
    const writers = [
      realtimeClient("alice@example.com", "writer-alice", []),
      realtimeClient("bob@example.com", "writer-bob", []),
      realtimeClient("staff@example.com", "writer-staff", []),
    ];
    // Everyone connected and subscribed before the flow starts (a chaos test, not a race test).
    await expect
      .poll(() => [...observers, ...writers].every((o) => o.client.state === "connected"), { timeout: 60_000 })
      .toBe(true);
    debug(`${observers.length + writers.length} clients connected`);
    const ghosts = Array.from({ length: ghostCount }, (_, i) => `GHOST${String(i).padStart(3, "0")}AAAAAAA=`);
    for (const ghost of ghosts) {
      const identity = {
        userId: stack.userId("staff@example.com"),
        role: "staff" as const,
        username: "staff@example.com",
      };
      // The slot check never runs (the cap is raised): no `@connections` lookup is needed.
      await registerConnection(ghost, identity, Date.now(), { getConnection: async () => ({}) });
      for (const topic of [...allIds.map((id): Topic => `order:${id}`), "orders" as const]) {
        await putSubscription({ connectionId: ghost, connectedAt: Date.now(), identity }, topic);
      }
    }

    // Act: 480 chat messages and 30 status changes, with chaos alongside.
    let sent = 0;
    let flowing = true;
    const chat = async (writer: Observed, targets: Order[], count: number, offset: number) => {
      for (let i = 0; i < count; i++) {
        const order = targets[i % targets.length] as Order;
        const clientMessageId = `${writer.name}-${offset + i}`;
        // A send that gave up (ack timeouts while the gateway was down) is sent again with the
        // same clientMessageId, as the app does: the server keeps one message.
        await withRetry(() => writer.client.sendMessage(order.id, `message ${offset + i}`, { clientMessageId }), 20);
        sent += 1;
        if (sent % 50 === 0) debug(`${sent} messages acked; chaos ${JSON.stringify(chaosLog)}`);
      }
    };
    const statuses = ["confirmed", "preparing", "ready", "out_for_delivery", "delivered"] as const;
    const walk = async () => {
      for (const status of statuses) {
        for (const order of orders) {
          // A change whose response was lost in the restart is not made twice: re-read first.
          for (;;) {
            const current = (await withRetry(() => staff.getOrder(order.id))).order;
            if (current.status === status) break;
            try {
              await withRetry(() => staff.setStatus(order.id, status, current.version));
              break;
            } catch (error) {
              if ((error as ServerError).status !== 409) throw error;
            }
          }
          await sleep(100);
        }
      }
    };
    const management = localManagementApiClient(stack.outputs.wsManagementEndpoint);
    const dynamo = localDynamoDbClient(stack.outputs.dynamoEndpoint);
    const chaosLog = { kills: 0, restarts: 0, deleted: 0, deleteGone: 0 };
    const chaos = async () => {
      const everyone = [...observers, ...writers];
      let restarted = false;
      let deleted = false;
      while (flowing) {
        await sleep(150);
        const victim = everyone[Math.floor(Math.random() * everyone.length)] as Observed;
        if (victim.socket.current?.readyState === WebSocket.OPEN) {
          victim.socket.current.terminate(); // no close frame
          chaosLog.kills += 1;
        }
        if (!restarted && sent >= chatMessages / 3) {
          restarted = true;
          debug("restarting the gateway");
          await stack.restartGateway();
          chaosLog.restarts += 1;
          debug("gateway restarted");
        }
        if (!deleted && sent >= (chatMessages * 2) / 3) {
          deleted = true;
          // Registered connections only (the items that name their connection).
          const registered = (await connectionItems(stack.outputs)).flatMap((item) =>
            item.connectionId?.S ? [item.connectionId.S] : [],
          );
          const live = registered.filter((id) => !id.startsWith("GHOST"));
          for (const id of live.slice(0, 8)) {
            try {
              await management.send(new DeleteConnectionCommand({ ConnectionId: id }));
              chaosLog.deleted += 1;
            } catch (error) {
              if ((error as Error).name !== "GoneException") throw error;
              chaosLog.deleteGone += 1;
            }
          }
        }
      }
    };
    const chaosRun = chaos();
    const per = chatMessages / 3;
    await Promise.all([
      chat(writers[0] as Observed, aliceOrders, per, 0),
      chat(writers[1] as Observed, bobOrders, per, 0),
      chat(writers[2] as Observed, orders, per, 0),
      walk(),
    ]);
    flowing = false;
    await chaosRun;
    debug(`flow done; chaos ${JSON.stringify(chaosLog)}`);

    // Assert: the stored events are the truth; every client converges to exactly them.
    const stored = new Map<string, OrderEvent[]>();
    for (const order of orders) stored.set(order.id, (await withRetry(() => staff.getOrder(order.id))).events);
    const totalEvents = [...stored.values()].reduce((sum, events) => sum + events.length, 0);
    const complete = (observed: Observed) =>
      observed.orderIds.every((id) => (observed.events.get(id)?.length ?? 0) >= (stored.get(id)?.length ?? 0));
    await expect
      .poll(
        () => {
          const behind = observers.filter((o) => !complete(o)).map((o) => o.name);
          debug(
            `${behind.length} clients behind: ${behind.slice(0, 5).join(", ")}; states ${observers.map((o) => o.client.state[0]).join("")}`,
          );
          return behind;
        },
        { timeout: 90_000, interval: 1000 },
      )
      .toEqual([]);

    expect(refusals).toEqual([]);
    expect(totalEvents).toBeGreaterThanOrEqual(500);
    expect(chaosLog.kills).toBeGreaterThanOrEqual(20);
    expect(chaosLog.restarts).toBe(1);
    expect(chaosLog.deleted).toBeGreaterThan(0);
    for (const observed of observers) {
      for (const id of observed.orderIds) {
        // Exactly once, in order, the same events as stored (seq 1, 2, 3, … with no gap).
        expect(observed.events.get(id), `${observed.name} on order ${id}`).toEqual(stored.get(id));
      }
    }
    const texts = [...stored.values()].flat().filter((e) => e.kind === "chat.message");
    expect(texts).toHaveLength(chatMessages);
    // The ghosts met 410 GoneException in the fan-out and were removed with their subscriptions.
    for (const ghost of ghosts) {
      const left = await dynamo.send(
        new QueryCommand({
          TableName: stack.outputs.table,
          IndexName: "gsi1",
          KeyConditionExpression: "gsi1pk = :c",
          ExpressionAttributeValues: { ":c": { S: `CONN#${ghost}` } },
        }),
      );
      expect(left.Items ?? [], ghost).toEqual([]);
      const item = await dynamo.send(
        new GetItemCommand({ TableName: stack.outputs.table, Key: { pk: { S: `CONN#${ghost}` }, sk: { S: "CONN" } } }),
      );
      expect(item.Item, ghost).toBeUndefined();
    }

    for (const observed of [...observers, ...writers]) observed.client.close();
    management.destroy();
    dynamo.destroy();
  }, 240_000);
});
