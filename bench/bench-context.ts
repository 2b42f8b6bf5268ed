/**
 * What every phase of the benchmark shares: its settings (from the command line), the servers
 * (the app on the local stack, with its own emulators, and the bare `ws` baseline), the client
 * fleet in its own process, and the helpers the phases have in common.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TransportEnv } from "@live-orders/connections/transport-settings";
import { staffGroup } from "@live-orders/core/authz";
import { maxConnectionsPerUser } from "@live-orders/core/config";
import { menu } from "@live-orders/core/menu";
import type { Order, PlaceOrderBody } from "@live-orders/core/protocol";
import { webSocketApi } from "@live-orders/functions/routes";
import { startCognitoLocal } from "@live-orders/local/cognito/cognito-local";
import { ensureUsers } from "@live-orders/local/cognito/user-pool";
import { type DynamoDbLocal, startDynamoDbLocal } from "@live-orders/local/dynamodb/dynamodb-local";
import { signIn } from "@live-orders/local/stack/sign-in";
import { type AppStack, startAppStack } from "@live-orders/local/testing/app-stack";
import { createOrdersApi, type OrdersApi } from "@live-orders/web/realtime/orders-api";
import { startBareWs } from "./bare-ws";
import { Fleet } from "./fleet-client";
import type { BenchUsers } from "./fleet-protocol";

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

/** The most staff sockets a stack holds at once: the largest fan-out's, and a phase's few beside it. */
const staffAtOnce = () => Math.max(...settings.sizes) + 100;

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
  /**
   * The app. Its DynamoDB counting proxy is off (`setDynamoDbCounting`) but in the windows a
   * phase bills: billing a call reads what it touched before answering, which AWS does not do.
   */
  stack: AppStack;
  /** How the stack's functions post to `@connections`: the default, or the pipelined opt-in. */
  transport: "default" | "pipelined";
  /** DynamoDB Local's process (its memory is reported). */
  dynamo: DynamoDbLocal;
  bare: Awaited<ReturnType<typeof startBareWs>>;
  fleet: Fleet;
  /** Where fleet sockets of the stack connect, each with a ticket of one of the bench's staff users (they may subscribe to any order). */
  stackTarget: { url: string; tickets: BenchUsers };
  /**
   * The load and heartbeat phases' sockets, as customers: a shop has a few staff tabs and many
   * customers, and every staff `$connect` reads the presence of all staff connections online
   * (presence.ts), which made 5 000 staff connects quadratic.
   */
  loadTarget: { url: string; tickets: BenchUsers };
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

    const bench: Bench = {
      ...(await stackParts(stack, staffAtOnce())),
      loadTarget: {
        url: stack.outputs.ws,
        // The load phase's, or the heartbeat's 100 (each closes its own before the next opens).
        tickets: await benchUsers(stack, Math.max(phases.has("load") ? settings.loadConnections : 0, 100), "customer"),
      },
      transport: "default",
      dynamo,
      bare,
      fleet,
      stop,
    };
    await warmUp(bench);
    stack.setDynamoDbCounting(false);
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
 * The per-user rate limits protect people from runaway loops; the bench is one on purpose: its
 * users open connections (each a ticket) as fast as they can, the chat phase floods one order.
 * Both stacks (the pipelined one too: without it its 1000 connects waited for the ticket limit).
 * The connections per user keep the production limit: see `benchUsers`.
 */
const benchLimitsEnv = {
  LIVE_ORDERS_RATE_LIMIT_FRAMES: "unlimited",
  LIVE_ORDERS_RATE_LIMIT_CHAT: "unlimited",
  LIVE_ORDERS_RATE_LIMIT_ORDERS: "unlimited",
  LIVE_ORDERS_RATE_LIMIT_TICKETS: "unlimited",
} as const;

export const pipelinedTransportEnv = {
  [TransportEnv.connections]: "4",
  [TransportEnv.pipelining]: "32",
} as const;

/**
 * Users enough for `connections` fleet sockets at the production limit per user (10). One user
 * holding thousands made every connect rewrite a slot item of thousands of entries (30 KB at
 * 1 000: 30 WRU, and a stream record of both images), which no production user does.
 */
async function benchUsers(stack: AppStack, connections: number, role: "staff" | "customer"): Promise<BenchUsers> {
  const perUser = maxConnectionsPerUser();
  // Margin: a closed socket's slot is free only once its `$disconnect` has run.
  const count = Math.ceil((connections * 1.2) / perUser);
  const started = performance.now();
  const users = Array.from({ length: count }, (_, i) => ({
    email: `bench-${role}-${i}@example.com`,
    password: "Bench-Passw0rd!",
    groups: role === "staff" ? [staffGroup] : [],
  }));
  const { cognitoEndpoint, userPoolId, userPoolClientId } = stack.outputs;
  await ensureUsers({ endpoint: cognitoEndpoint, userPoolId, users });
  const accessTokens: string[] = [];
  for (let i = 0; i < users.length; i += 20) {
    const batch = users.slice(i, i + 20);
    accessTokens.push(
      ...(await Promise.all(batch.map((user) => signIn(cognitoEndpoint, userPoolClientId, user.email, user.password)))),
    );
  }
  progress(
    `  ${count} ${role} users for ${connections} sockets, at most ${perUser} each (made and signed in in ${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
  return { apiUrl: stack.outputs.api, accessTokens, perUser };
}

/** What a `Bench` holds of one app stack: its users' clients and the fleet's target. */
async function stackParts(stack: AppStack, connections: number) {
  const staffToken = await stack.token("staff@example.com");
  const aliceToken = await stack.token("alice@example.com");
  const alice = createOrdersApi({ apiUrl: stack.outputs.api, getToken: async () => aliceToken });
  const staff = createOrdersApi({ apiUrl: stack.outputs.api, getToken: async () => staffToken });
  return {
    stack,
    stackTarget: { url: stack.outputs.ws, tickets: await benchUsers(stack, connections, "staff") },
    aliceToken,
    alice,
    staff,
    placeOrder: () => alice.placeOrder(benchOrder),
    settleDisconnects: (open = 0) => settleDisconnects(stack, open),
  };
}

/**
 * The same app, its handlers posting with the pipelined opt-in: a second stack on a DynamoDB
 * Local of its own (fresh table, and no share of the first stack's engine: DynamoDB Local runs
 * every request and stream read of every table on one SQLite thread, and on a shared one this
 * stack's 1 000 connects ran at 3/s against the first stack's 19/s), the bench's cognito-local,
 * fleet and baseline shared. Stop it when done.
 */
export async function startPipelinedBench(bench: Bench): Promise<Bench> {
  const dynamo = await startDynamoDbLocal({ port: 0 });
  const stops: (() => Promise<unknown>)[] = [() => dynamo.stop()];
  const stop = async () => {
    for (const stopPart of stops.splice(0).reverse()) await stopPart();
  };
  try {
    const stack = await startAppStack({
      dynamoEndpoint: dynamo.endpoint,
      cognitoEndpoint: bench.stack.outputs.cognitoEndpoint,
      countDynamoDb: true,
      env: { ...benchLimitsEnv, ...pipelinedTransportEnv },
      log: (line) => (line.includes("error") || line.includes("fail") ? progress(line) : undefined),
    });
    stops.push(() => stack.stop());
    const pipelined: Bench = {
      ...bench,
      ...(await stackParts(stack, staffAtOnce())),
      dynamo,
      transport: "pipelined",
      stop,
    };
    await warmUp(pipelined);
    stack.setDynamoDbCounting(false);
    return pipelined;
  } catch (error) {
    await stop();
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
