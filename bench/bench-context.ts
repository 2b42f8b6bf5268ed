/**
 * What every phase of the benchmark shares: its settings (from the command line), the servers
 * (the app on the local stack, with its own emulators, and the bare `ws` baseline), the client
 * fleet in its own process, and the helpers the phases have in common.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TransportEnv } from "@live-orders/connections/transport-settings";
import { menu } from "@live-orders/core/menu";
import type { Order, PlaceOrderBody } from "@live-orders/core/protocol";
import { webSocketApi } from "@live-orders/functions/routes";
import { startCognitoLocal } from "@live-orders/local/cognito/cognito-local";
import { type DynamoDbLocal, startDynamoDbLocal } from "@live-orders/local/dynamodb/dynamodb-local";
import { type AppStack, startAppStack } from "@live-orders/local/testing/app-stack";
import { createOrdersApi, type OrdersApi } from "@live-orders/web/realtime/orders-api";
import { startBareWs } from "./bare-ws";
import { Fleet } from "./fleet-client";

export const quick = process.argv.includes("--quick");
/** `--phases=fanout,pipelined,transport,chat,cold,load` runs a subset (profiling one path); default all. */
const phasesArg = process.argv.find((arg) => arg.startsWith("--phases="))?.slice("--phases=".length);
export const phases = new Set((phasesArg ?? "fanout,pipelined,transport,chat,cold,load").split(","));
export const settings = {
  ...(quick
    ? {
        sizes: [1, 10, 100, 1000],
        rounds: 3,
        chatMessages: 100,
        chatWindows: [1, 8],
        coldRepeats: 3,
        loadConnections: 5000,
        holdMs: 5_000,
      }
    : {
        sizes: [1, 10, 100, 1000],
        rounds: 8,
        chatMessages: 300,
        chatWindows: [1, 8, 32],
        coldRepeats: 5,
        loadConnections: 5000,
        holdMs: 15_000,
      }),
  /** `--profile`: CPU-profile the measured fan-out rounds at the largest N (node:inspector). */
  profileFanout: process.argv.includes("--profile"),
  roundTimeoutMs: 60_000,
  /** The whole run's budget: past it the bench exits (children watch their parent and stop too). */
  budgetMs: quick ? 10 * 60_000 : 30 * 60_000,
};

const benchStarted = performance.now();
export const startedAt = new Date(performance.timeOrigin + benchStarted).toISOString();
export const secondsSinceStart = () => (performance.now() - benchStarted) / 1000;
/** Epoch ms with sub-ms precision, comparable with the fleet process's receive times. */
export const now = () => performance.timeOrigin + performance.now();

export function progress(line: string): void {
  process.stderr.write(`[${secondsSinceStart().toFixed(0).padStart(4)} s] ${line}\n`);
}

/** What the phases place: one line of the menu. */
const benchOrder: PlaceOrderBody = {
  items: [{ sku: menu.margherita.sku, quantity: 1 }],
  contact: { name: "Bench", phone: "+1 555 0142" },
  fulfilment: { type: "pickup" },
};

export interface Bench {
  stack: AppStack;
  /** How the stack's functions post to `@connections`: the default, or the pipelined opt-in. */
  transport: "default" | "pipelined";
  /** DynamoDB Local's process (its memory is reported). */
  dynamo: DynamoDbLocal;
  bare: Awaited<ReturnType<typeof startBareWs>>;
  fleet: Fleet;
  /** Where fleet sockets of the stack connect, each with a ticket of the staff user's: every fleet socket is staff. */
  stackTarget: { url: string; tickets: { apiUrl: string; accessToken: string } };
  aliceToken: string;
  /** The web app's REST client as alice (places orders) and as staff (changes their status). */
  alice: OrdersApi;
  staff: OrdersApi;
  placeOrder(): Promise<Order>;
  /** Wait until at most `open` connections remain and `$disconnect` has stopped running for the closed ones. */
  settleDisconnects(open?: number): Promise<void>;
  stop(): Promise<void>;
}

/** The emulators, the app on them, the bare baseline and the fleet; every handler warmed up. */
export async function startBench(): Promise<Bench> {
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const stopPart of stops.splice(0).reverse())
      await stopPart().catch((error: Error) => progress(`while stopping: ${error.message}`));
  };
  try {
    const cognitoDir = mkdtempSync(join(tmpdir(), "live-orders-bench-cognito-"));
    stops.push(async () => rmSync(cognitoDir, { recursive: true, force: true }));
    const [dynamo, cognito] = await Promise.all([
      startDynamoDbLocal({ port: 0 }),
      startCognitoLocal({ port: 0, dataDir: cognitoDir }),
    ]);
    stops.push(
      () => dynamo.stop(),
      () => cognito.stop(),
    );
    progress(`emulators up: DynamoDB Local ${dynamo.endpoint}, cognito-local ${cognito.endpoint}`);

    const stack = await startAppStack({
      dynamoEndpoint: dynamo.endpoint,
      cognitoEndpoint: cognito.endpoint,
      countDynamoDb: true,
      env: benchLimitsEnv,
      log: (line) => (line.includes("error") || line.includes("fail") ? progress(line) : undefined),
    });
    stops.push(() => stack.stop());
    const bare = await startBareWs();
    stops.push(() => bare.stop());
    const fleet = Fleet.start();
    stops.push(() => fleet.stop());
    progress(`stack up: ${stack.outputs.ws}, bare ws ${bare.url}`);

    const bench: Bench = { ...(await stackParts(stack)), transport: "default", dynamo, bare, fleet, stop };
    await warmUp(bench);
    return bench;
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The pipelined opt-in as infra/ would set it for a function (infra/connections-transport.ts):
 * 4 connections × 32 requests in flight, the transport's old default.
 */
/**
 * The per-user limits protect people from runaway loops; the bench is one on purpose: one staff
 * user holds thousands of connections (each a ticket), the chat phase floods one order. Both
 * stacks (the pipelined one too: without it its 1000 connects waited for the ticket limit).
 */
const benchLimitsEnv = {
  LIVE_ORDERS_RATE_LIMIT_FRAMES: "unlimited",
  LIVE_ORDERS_RATE_LIMIT_CHAT: "unlimited",
  LIVE_ORDERS_RATE_LIMIT_ORDERS: "unlimited",
  LIVE_ORDERS_RATE_LIMIT_TICKETS: "unlimited",
  LIVE_ORDERS_MAX_CONNECTIONS_PER_USER: "100000",
} as const;

export const pipelinedTransportEnv = {
  [TransportEnv.connections]: "4",
  [TransportEnv.pipelining]: "32",
} as const;

/** What a `Bench` holds of one app stack: its users' clients and the fleet's target. */
async function stackParts(stack: AppStack) {
  const staffToken = await stack.token("staff@example.com");
  const aliceToken = await stack.token("alice@example.com");
  const alice = createOrdersApi({ apiUrl: stack.outputs.api, getToken: async () => aliceToken });
  const staff = createOrdersApi({ apiUrl: stack.outputs.api, getToken: async () => staffToken });
  return {
    stack,
    stackTarget: { url: stack.outputs.ws, tickets: { apiUrl: stack.outputs.api, accessToken: staffToken } },
    aliceToken,
    alice,
    staff,
    placeOrder: () => alice.placeOrder(benchOrder),
    settleDisconnects: (open = 0) => settleDisconnects(stack, open),
  };
}

/**
 * The same app on the same emulators, its handlers posting with the pipelined opt-in: a second
 * stack (fresh table and pool), the bench's fleet and baseline shared. Stop it when done.
 */
export async function startPipelinedBench(bench: Bench): Promise<Bench> {
  const stack = await startAppStack({
    dynamoEndpoint: bench.stack.outputs.dynamoEndpoint,
    cognitoEndpoint: bench.stack.outputs.cognitoEndpoint,
    countDynamoDb: true,
    env: { ...benchLimitsEnv, ...pipelinedTransportEnv },
    log: (line) => (line.includes("error") || line.includes("fail") ? progress(line) : undefined),
  });
  try {
    const pipelined: Bench = {
      ...bench,
      ...(await stackParts(stack)),
      transport: "pipelined",
      stop: () => stack.stop(),
    };
    await warmUp(pipelined);
    return pipelined;
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

/** Handlers bundle on first use: every route runs once before anything is timed. */
async function warmUp({ fleet, stackTarget, placeOrder, staff }: Bench): Promise<void> {
  const warm = await placeOrder();
  await fleet.send({ op: "connect", group: "warm", ...stackTarget, count: 2, concurrency: 2 });
  await fleet.send({
    op: "request",
    group: "warm",
    from: 0,
    to: 2,
    frame: { action: "subscribe", topic: `order:${warm.id}` },
    concurrency: 2,
    timeoutMs: 30_000,
  });
  const armed = await fleet.arm({
    op: "arm",
    group: "warm",
    from: 0,
    to: 2,
    marker: `"topic":"order:${warm.id}","seq":2,`,
    count: 1,
    timeoutMs: 30_000,
  });
  await staff.setStatus(warm.id, "confirmed", warm.version);
  await armed.received;
  await fleet.send({ op: "kill", group: "warm" });
}

/** No new `$disconnect` completions for a while and at most `open` connections left (bounded: 5 minutes). */
async function settleDisconnects(stack: AppStack, open: number): Promise<void> {
  const deadline = Date.now() + 300_000;
  const disconnects = () => stack.invocations()[webSocketApi.routes.$disconnect.handler]?.count ?? 0;
  let last = -1;
  while (Date.now() < deadline) {
    const done = disconnects();
    if (stack.gateway().counts().openConnections <= open && done === last) return;
    last = done;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
