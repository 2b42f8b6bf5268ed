/**
 * `npm run bench` (`-- --quick` for a shorter run): Live Orders on the local stack against a
 * bare `ws` baseline measured in the same run (SPEC §9). Everything on loopback, every phase
 * bounded in count and time; progress on stderr, the table on stdout, the numbers in
 * `.local/bench/latest.json` (and a timestamped copy).
 *
 * Phases:
 *  1. fan-out of a status change to N = 1, 100, 1000 subscribers: the status change goes in over
 *     REST, through DynamoDB Local's stream, the stream poller, the fan-out handler and the
 *     gateway's `@connections`, to `ws` clients in a separate process; the bare `ws` server
 *     broadcasts the very frame the stack delivered to the same number of clients. Rounds
 *     alternate stack/bare so both see the same machine load.
 *  2. chat throughput of one order room with 10 subscribers;
 *  3. cold import time of every handler, bundled as SST bundles for Lambda;
 *  4. load: thousands of connections held at once, with memory;
 *  5. the cost model per million delivered events, from what phase 1 counted.
 */
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { Session } from "node:inspector/promises";
import { dirname, join } from "node:path";
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";
import { DynamoDBClient, ScanCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import WebSocket from "ws";
import { httpApi, streamSubscriber, webSocketApi } from "@live-orders/functions/routes";
import { startCognitoLocal } from "@live-orders/local/cognito/cognito-local";
import { startDynamoDbLocal } from "@live-orders/local/dynamodb/dynamodb-local";
import { rootDir, startAppStack, type AppStack } from "../test/support/app-stack";
import { startBareWs } from "./bare-ws";
import { measureColdImports, type ColdImport } from "./cold-import";
import { connectionHourCost, costModel, itemBytes, type CostLine, type CountedWindow } from "./cost";
import { Fleet } from "./fleet-client";
import { LeanConnectionsClient } from "@live-orders/connections/lean-client";
import { summarize } from "./profile-summary";
import { median, percentile, round } from "./stats";

const quick = process.argv.includes("--quick");
/** `--phases fanout,chat,cold,load` runs a subset (profiling one path); default all. */
const phasesArg = process.argv.find((arg) => arg.startsWith("--phases="))?.slice("--phases=".length);
/** `--profile`: CPU-profile the measured fan-out rounds at the largest N (node:inspector). */
const profileFanout = process.argv.includes("--profile");
const phases = new Set((phasesArg ?? "fanout,transport,chat,cold,load").split(","));
const settings = quick
  ? { sizes: [1, 100, 1000], rounds: 3, chatMessages: 100, chatWindows: [1, 8], coldRepeats: 3, loadConnections: 5000, holdMs: 5_000 }
  : { sizes: [1, 100, 1000], rounds: 8, chatMessages: 300, chatWindows: [1, 8, 32], coldRepeats: 5, loadConnections: 5000, holdMs: 15_000 };
/** Status changes available per order: placed → confirmed → … → delivered; the first warms up. */
const statusWalk = ["confirmed", "preparing", "ready", "out_for_delivery", "delivered"] as const;
const roundTimeoutMs = 60_000;
/** The whole run's budget: past it the bench exits (children watch their parent and stop too). */
const budgetMs = quick ? 10 * 60_000 : 30 * 60_000;
const benchStarted = performance.now();
const now = () => performance.timeOrigin + performance.now();

function progress(line: string): void {
  const seconds = ((performance.now() - benchStarted) / 1000).toFixed(0).padStart(4);
  process.stderr.write(`[${seconds} s] ${line}\n`);
}

interface RoundResult {
  deliveriesPerSec: number;
  p50Ms: number;
  p99Ms: number;
  missing: number;
}

function roundResult(t0: number, times: readonly number[]): RoundResult {
  const latencies = times.filter(Number.isFinite).map((t) => t - t0);
  const last = Math.max(...latencies);
  return {
    deliveriesPerSec: latencies.length / (last / 1000),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    missing: times.length - latencies.length,
  };
}

async function rest<T>(stack: AppStack, token: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${stack.api}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

interface Order {
  id: string;
  version: number;
  seq: number;
}

const sampleOrder = { items: [{ sku: "PIZZA-MARG", name: "Pizza Margherita", quantity: 1, unitPriceCents: 1150 }] };

/** Ids of the connections the table knows (the fleet's sockets). */
async function connectionIds(stack: AppStack): Promise<string[]> {
  const client = new DynamoDBClient({ endpoint: stack.dynamoEndpoint, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  const ids: string[] = [];
  let start: Record<string, AttributeValue> | undefined;
  try {
    do {
      const page = await client.send(
        new ScanCommand({ TableName: stack.tableName, FilterExpression: "sk = :conn", ExpressionAttributeValues: { ":conn": { S: "CONN" } }, ExclusiveStartKey: start, ConsistentRead: true }),
      );
      for (const item of page.Items ?? []) if (item.connectionId?.S) ids.push(item.connectionId.S);
      start = page.LastEvaluatedKey;
    } while (start);
  } finally {
    client.destroy();
  }
  return ids;
}

/** Bytes of every connection item in the table: what the scan-all design's Scan would read. */
async function connectionItemBytes(stack: AppStack): Promise<{ items: number; bytes: number }> {
  const client = new DynamoDBClient({ endpoint: stack.dynamoEndpoint, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  let items = 0;
  let bytes = 0;
  let start: Record<string, AttributeValue> | undefined;
  try {
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: stack.tableName,
          FilterExpression: "sk = :conn",
          ExpressionAttributeValues: { ":conn": { S: "CONN" } },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        items += 1;
        bytes += itemBytes(item);
      }
      start = page.LastEvaluatedKey;
    } while (start);
  } finally {
    client.destroy();
  }
  return { items, bytes };
}

/** The direct children of a process (`self`: this one), from every thread's `children` list. */
function childPidsOf(pid: number | "self"): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
    readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").split(" ").filter(Boolean).map(Number),
  );
}

/** Resident memory of a process and its descendants (DynamoDB Local's JVM runs under a guard process). */
function rssOfPid(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return kb * 1024 + childPidsOf(pid).reduce((sum, child) => sum + (rssOfPid(child) || 0), 0);
  } catch {
    return Number.NaN;
  }
}

/** The pid of this process's child whose command line contains `marker` (e.g. the Lambda runtime). */
function childPid(marker: string): number | undefined {
  try {
    return childPidsOf("self").find((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker));
  } catch {
    return undefined;
  }
}

const mb = (bytes: number) => round(bytes / 1024 / 1024, 0);

/**
 * Wait until at most `open` connections remain and `$disconnect` has stopped running for the
 * closed ones (no new completions for a while; bounded: 5 minutes).
 */
async function settleDisconnects(stack: AppStack, open = 0): Promise<void> {
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

async function main(): Promise<void> {
  setTimeout(() => {
    progress(`time budget of ${budgetMs / 60_000} minutes exceeded: giving up`);
    process.exit(2);
  }, budgetMs).unref();
  progress(`Live Orders benchmark (${quick ? "quick" : "full"}): sizes ${settings.sizes.join(", ")}, ${settings.rounds} rounds each`);
  const stops: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch((error: Error) => progress(`while stopping: ${error.message}`));
  };
  process.once("SIGINT", () => void stopAll().then(() => process.exit(130)));
  try {
    const cognitoDir = mkdtempSync(join(tmpdir(), "live-orders-bench-cognito-"));
    stops.push(async () => rmSync(cognitoDir, { recursive: true, force: true }));
    const [dynamo, cognito] = await Promise.all([startDynamoDbLocal({ port: 0 }), startCognitoLocal({ port: 0, dataDir: cognitoDir })]);
    stops.push(() => dynamo.stop(), () => cognito.stop());
    progress(`emulators up: DynamoDB Local ${dynamo.endpoint}, cognito-local ${cognito.endpoint}`);

    // The rate limit protects people from runaway loops; the chat phase is one on purpose.
    const stack = await startAppStack({
      dynamoEndpoint: dynamo.endpoint,
      cognitoEndpoint: cognito.endpoint,
      countDynamoDb: true,
      env: { LIVE_ORDERS_RATE_LIMIT_FRAMES: "1000000" },
      log: (line) => (line.includes("error") || line.includes("fail") ? progress(line) : undefined),
    });
    stops.push(() => stack.stop());
    const bare = await startBareWs();
    stops.push(() => bare.stop());
    const fleet = Fleet.start();
    stops.push(() => fleet.stop());
    progress(`stack up: ${stack.ws}, bare ws ${bare.url}`);

    const staff = await stack.token("staff@example.com");
    const alice = await stack.token("alice@example.com");
    const stackUrl = `${stack.ws}?token=${encodeURIComponent(staff)}`;
    const maxN = Math.max(...settings.sizes);

    // Handlers bundle on first use: warm every route once before timing anything.
    {
      const warm = await rest<Order>(stack, alice, "POST", "/orders", sampleOrder);
      await fleet.send({ op: "connect", group: "warm", url: stackUrl, count: 2, concurrency: 2 });
      await fleet.send({ op: "request", group: "warm", from: 0, to: 2, frame: { action: "subscribe", topic: `order:${warm.id}` }, concurrency: 2, timeoutMs: 30_000 });
      const armed = await fleet.arm({ op: "arm", group: "warm", from: 0, to: 2, marker: `"topic":"order:${warm.id}","seq":2,`, count: 1, timeoutMs: 30_000 });
      await rest(stack, staff, "PATCH", `/orders/${warm.id}/status`, { status: "confirmed", version: warm.version });
      await armed.received;
      await fleet.send({ op: "kill", group: "warm" });
    }

    const fanout: Record<string, unknown>[] = [];
    const windows: { n: number; window: CountedWindow; cost: CostLine[]; counts: unknown }[] = [];
    if (phases.has("fanout")) {
    progress(`connecting ${maxN} subscriber sockets (staff token) …`);
    const connected = await fleet.send<"connected">({ op: "connect", group: "stack", url: stackUrl, count: maxN, concurrency: 25 });
    if (connected.failed > 0) throw new Error(`${connected.failed} connections refused: ${connected.firstError}`);
    progress(`  ${connected.opened} connected in ${(connected.ms / 1000).toFixed(1)} s (${round(connected.opened / (connected.ms / 1000), 0)}/s)`);

    for (const n of settings.sizes) {
      // A status walk has 5 changes; more rounds take more orders, each subscribed by the same N.
      const subscribeNewOrder = async () => {
        const created = await rest<Order>(stack, alice, "POST", "/orders", sampleOrder);
        const subscribed = await fleet.send<"replied">({
          op: "request",
          group: "stack",
          from: 0,
          to: n,
          frame: { action: "subscribe", topic: `order:${created.id}` },
          concurrency: 25,
          timeoutMs: 60_000,
        });
        if (subscribed.types.subscribed !== n) throw new Error(`subscribe replies for N=${n}: ${JSON.stringify(subscribed.types)}`);
        return created;
      };
      let order = await subscribeNewOrder();
      const bareGroup = `bare-${n}`;
      await fleet.send({ op: "connect", group: bareGroup, url: bare.url, count: n, concurrency: 50 });
      progress(`N=${n}: ${n} subscribed to order ${order.id.slice(0, 8)}…, ${bare.clients()} bare clients`);

      let version = order.version;
      let seq = order.seq;
      let step = 0;
      const stackRounds: RoundResult[] = [];
      const bareRounds: RoundResult[] = [];
      let costCounts: { dynamodb: ReturnType<AppStack["dynamoDbCounts"]>; invocations: ReturnType<AppStack["invocations"]>; gateway: ReturnType<ReturnType<AppStack["gateway"]>["counts"]> } | undefined;
      let costEvents = 0;
      let payload = "";
      const profiling = profileFanout && n === maxN ? new Session() : undefined;
      for (let r = 0; r <= settings.rounds; r++) {
        const warmUp = r === 0;
        if (r === 1) stack.resetCounts();
        if (r === 1 && profiling) {
          profiling.connect();
          await profiling.post("Profiler.enable");
          await profiling.post("Profiler.start");
        }
        if (step === statusWalk.length) {
          // The cost window is the first order's measured rounds (no subscribe traffic in it).
          costCounts ??= { dynamodb: stack.dynamoDbCounts(), invocations: stack.invocations(), gateway: stack.gateway().counts() };
          order = await subscribeNewOrder();
          version = order.version;
          seq = order.seq;
          step = 0;
        }
        // The stack: REST status change → table → stream → fan-out → @connections → clients.
        seq += 1;
        const marker = `"topic":"order:${order.id}","seq":${seq},`;
        const armed = await fleet.arm({ op: "arm", group: "stack", from: 0, to: n, marker, count: 1, timeoutMs: roundTimeoutMs });
        const t0 = now();
        const updated = await rest<Order>(stack, staff, "PATCH", `/orders/${order.id}/status`, { status: statusWalk[step++], version });
        version = updated.version;
        const received = await armed.received;
        const stackRound = roundResult(t0, received.times);
        payload = received.sample ?? payload;
        // The baseline: the same frame (seq made unique per round), broadcast to the same N.
        const bareMarker = `"seq":${100_000 + r},`;
        const barePayload = payload.replace(`"seq":${seq},`, bareMarker);
        const bareArmed = await fleet.arm({ op: "arm", group: bareGroup, from: 0, to: n, marker: bareMarker, count: 1, timeoutMs: roundTimeoutMs });
        const bareT0 = now();
        bare.broadcast(barePayload);
        const bareRound = roundResult(bareT0, (await bareArmed.received).times);
        progress(
          `  ${warmUp ? "warm-up" : `round ${r}`}: stack ${round(stackRound.deliveriesPerSec, 0)}/s p50 ${round(stackRound.p50Ms)} ms p99 ${round(stackRound.p99Ms)} ms` +
            ` | bare ${round(bareRound.deliveriesPerSec, 0)}/s p50 ${round(bareRound.p50Ms)} ms p99 ${round(bareRound.p99Ms)} ms` +
            (stackRound.missing + bareRound.missing > 0 ? ` | MISSING ${stackRound.missing}+${bareRound.missing}` : ""),
        );
        if (stackRound.missing > 0 || bareRound.missing > 0) throw new Error(`deliveries missing at N=${n}`);
        if (!warmUp) {
          if (costCounts === undefined) costEvents += 1;
          stackRounds.push(stackRound);
          bareRounds.push(bareRound);
        }
      }

      if (profiling) {
        const { profile } = await profiling.post("Profiler.stop");
        profiling.disconnect();
        const file = join(rootDir, ".local", "bench", `fanout-n${n}.cpuprofile`);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, JSON.stringify(profile));
        progress(`  CPU profile of the measured rounds: ${file}\n${summarize(profile as Parameters<typeof summarize>[0], 15)}`);
      }

      // What the measured rounds cost, counted (the bare rounds touched nothing of the stack).
      const counts = costCounts ?? { dynamodb: stack.dynamoDbCounts(), invocations: stack.invocations(), gateway: stack.gateway().counts() };
      const connectionItems = await connectionItemBytes(stack);
      const invocationList = Object.values(counts.invocations);
      const fanOutStats = counts.invocations[streamSubscriber.handler] ?? { count: 0, ms: 0 };
      const events = costEvents;
      const window: CountedWindow = {
        delivered: n * events,
        events,
        connections: counts.gateway.openConnections,
        connectionItemBytes: connectionItems.bytes,
        rcu: counts.dynamodb?.rcu ?? 0,
        wcu: counts.dynamodb?.wcu ?? 0,
        subscriberQueryRcu: counts.dynamodb?.byOperation.Query?.rcu ?? 0,
        invocations: invocationList.reduce((sum, entry) => sum + entry.count, 0),
        lambdaMs: invocationList.reduce((sum, entry) => sum + entry.ms, 0),
        fanOutLambdaMs: fanOutStats.ms,
        perPostMs: 0, // set below, from the largest N
        messageUnits: counts.gateway.messageUnitsOut + counts.gateway.messageUnitsIn,
        eventMessageUnits: n * events * Math.max(1, Math.ceil(Buffer.byteLength(payload) / 32768)),
      };
      windows.push({ n, window, cost: [], counts });

      const pick = (rounds: RoundResult[], key: keyof RoundResult) => round(median(rounds.map((x) => x[key])), key === "deliveriesPerSec" ? 0 : 1);
      fanout.push({
        n,
        bareWsDeliveriesPerSec: pick(bareRounds, "deliveriesPerSec"),
        stackDeliveriesPerSec: pick(stackRounds, "deliveriesPerSec"),
        bareP50Ms: pick(bareRounds, "p50Ms"),
        bareP99Ms: pick(bareRounds, "p99Ms"),
        stackP50Ms: pick(stackRounds, "p50Ms"),
        stackP99Ms: pick(stackRounds, "p99Ms"),
        ratio: round(pick(stackRounds, "deliveriesPerSec") / pick(bareRounds, "deliveriesPerSec"), 3),
        rounds: { stack: stackRounds, bare: bareRounds },
        payloadBytes: Buffer.byteLength(payload),
      });
      await fleet.send({ op: "kill", group: bareGroup });
    }

      const largest = windows.at(-1)?.window;
      const perPostMs = largest ? largest.fanOutLambdaMs / largest.delivered : 0;
      for (const entry of windows) entry.cost = costModel({ ...entry.window, perPostMs });
      await fleet.send({ op: "kill", group: "stack" });
      await settleDisconnects(stack);
    }

    // The @connections client alone: the SDK's against the fast transport, same posts, same
    // concurrency as the fan-out, to the same live sockets (CPU per call measured in-process,
    // where on this machine the gateway also runs).
    const transport: Record<string, unknown>[] = [];
    if (phases.has("transport")) {
      const sockets = 500;
      const posts = quick ? 3000 : 6000;
      progress(`@connections client alone: ${posts} posts to ${sockets} sockets, SDK client and fast transport …`);
      await fleet.send({ op: "connect", group: "transport", url: stackUrl, count: sockets, concurrency: 25 });
      // The table holds exactly these sockets once the earlier groups' $disconnects are done.
      let ids = await connectionIds(stack);
      for (const deadline = Date.now() + 60_000; ids.length !== sockets && Date.now() < deadline; ids = await connectionIds(stack)) {
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      if (ids.length !== sockets) throw new Error(`${ids.length} connection items for ${sockets} open sockets`);
      const credentials = { accessKeyId: "local", secretAccessKey: "local" };
      const data = Buffer.from(JSON.stringify({ type: "event", topic: "order:bench", seq: 1, event: { kind: "order.status", status: "ready" } }));
      const clients = {
        sdk: () => {
          const client = new ApiGatewayManagementApiClient({ endpoint: stack.managementEndpoint, region: "us-east-1", credentials });
          return { post: (id: string) => client.send(new PostToConnectionCommand({ ConnectionId: id, Data: data })), close: () => client.destroy() };
        },
        fast: () => {
          const client = new LeanConnectionsClient({ endpoint: stack.managementEndpoint, region: "us-east-1", credentials });
          return { post: (id: string) => client.post(id, data), close: () => client.destroy() };
        },
      };
      for (const pass of [0, 1]) {
        for (const [name, make] of Object.entries(clients)) {
          const client = make();
          const armed = await fleet.arm({ op: "arm", group: "transport", from: 0, to: sockets, marker: `"topic":"order:bench"`, count: posts / sockets, timeoutMs: 120_000 });
          const cpu = process.cpuUsage();
          const started = performance.now();
          let next = 0;
          await Promise.all(
            Array.from({ length: 25 }, async () => {
              while (next < posts) await client.post(ids[next++ % ids.length] as string);
            }),
          );
          const ms = performance.now() - started;
          const used = process.cpuUsage(cpu);
          await armed.received;
          client.close();
          if (pass === 0) continue; // the first pass warms both up
          const row = { client: name, posts, postsPerSec: round(posts / (ms / 1000), 0), cpuMsPerPost: round((used.user + used.system) / 1000 / posts, 3) };
          transport.push(row);
          progress(`  @connections via ${name}: ${row.postsPerSec} posts/s, ${row.cpuMsPerPost} ms CPU per post (gateway included)`);
        }
      }
      await fleet.send({ op: "kill", group: "transport" });
      await settleDisconnects(stack);
    }

    let chat: Result["chat"] | undefined;
    const chatRuns: NonNullable<Result["chat"]>[] = [];
    if (phases.has("chat")) {
    // Chat: one order room, 10 subscribers, one sender pipelining sendMessage frames.
    await fleet.send({ op: "connect", group: "chat", url: stackUrl, count: 10, concurrency: 10 });
    for (const window of settings.chatWindows) {
    progress(`chat: ${settings.chatMessages} messages into one room with 10 subscribers, ${window} in flight …`);
    const chatOrder = await rest<Order>(stack, alice, "POST", "/orders", sampleOrder);
    await fleet.send({ op: "request", group: "chat", from: 0, to: 10, frame: { action: "subscribe", topic: `order:${chatOrder.id}` }, concurrency: 10, timeoutMs: 30_000 });
    const chatArmed = await fleet.arm({
      op: "arm",
      group: "chat",
      from: 0,
      to: 10,
      marker: `"topic":"order:${chatOrder.id}"`,
      count: settings.chatMessages,
      timeoutMs: 120_000,
    });
    const sender = new WebSocket(`${stack.ws}?token=${encodeURIComponent(alice)}`, { perMessageDeflate: false });
    await new Promise((resolve, reject) => sender.once("open", resolve).once("error", reject));
    const chatT0 = now();
    let acked = 0;
    await new Promise<void>((resolve, reject) => {
      let sent = 0;
      const sendNext = () => {
        const index = sent++;
        sender.send(JSON.stringify({ action: "sendMessage", id: `m${index}`, orderId: chatOrder.id, text: `message ${index}`, clientMessageId: `bench-${window}-${index}` }));
      };
      const timer = setTimeout(() => reject(new Error(`chat: ${acked} acks after 120 s`)), 120_000);
      sender.on("message", (data: Buffer) => {
        const frame = JSON.parse(data.toString("utf8")) as { type: string; code?: string };
        if (frame.type === "error") return reject(new Error(`chat: ${JSON.stringify(frame)}`));
        if (frame.type !== "ack") return;
        acked += 1;
        if (acked === settings.chatMessages) {
          clearTimeout(timer);
          resolve();
        } else if (sent < settings.chatMessages) sendNext();
      });
      for (let i = 0; i < Math.min(window, settings.chatMessages); i++) sendNext();
    });
    const ackedAt = now();
    const chatTimes = (await chatArmed.received).times;
    sender.close();
    const chatDone = Math.max(...chatTimes);
    const measured = {
      subscribers: 10,
      window,
      messages: settings.chatMessages,
      messagesPerSec: round(settings.chatMessages / ((chatDone - chatT0) / 1000), 0),
      deliveriesPerSec: round((settings.chatMessages * 10) / ((chatDone - chatT0) / 1000), 0),
      ackedPerSec: round(settings.chatMessages / ((ackedAt - chatT0) / 1000), 0),
      missing: chatTimes.filter((t) => !Number.isFinite(t)).length,
    };
    progress(`  ${measured.messagesPerSec} messages/s fully delivered to all 10 (${measured.deliveriesPerSec} deliveries/s), acks ${measured.ackedPerSec}/s`);
    chatRuns.push(measured);
    }
    chat = chatRuns.reduce((best, run) => (best === undefined || run.messagesPerSec > best.messagesPerSec ? run : best), chat);
    await fleet.send({ op: "kill", group: "chat" });

    }

    let coldImports: ColdImport[] = [];
    if (phases.has("cold")) {
    progress("cold imports of the bundled handlers …");
    const handlers = [...new Set([webSocketApi.authorizer.handler, ...Object.values(webSocketApi.routes).map((r) => r.handler), ...Object.values(httpApi.routes).map((r) => r.handler), streamSubscriber.handler])];
    coldImports = await measureColdImports({
      rootDir,
      outDir: join(rootDir, ".local", "bench", "bundles"),
      handlers: [...new Set(handlers.map((ref) => ref.slice(0, ref.lastIndexOf(".")) + ".handler"))],
      repeats: settings.coldRepeats,
      env: Object.fromEntries(Object.entries(process.env).filter(([key]) => key.startsWith("SST_RESOURCE_") || key.startsWith("AWS_") || key === "POWERTOOLS_LOG_LEVEL")) as Record<string, string>,
      progress,
    });

    }

    let loadResult: Result["load"] | undefined;
    if (phases.has("load")) {
    // Load: many connections at once (authorizer + $connect each), held, then probed with ping.
    progress(`load: opening ${settings.loadConnections} more connections …`);
    const rssBefore = process.memoryUsage().rss;
    const load = await fleet.send<"connected">({ op: "connect", group: "load", url: stackUrl, count: settings.loadConnections, concurrency: 50 });
    const heldOpen = stack.gateway().counts().openConnections;
    progress(`  ${load.opened} opened (${load.failed} failed) in ${(load.ms / 1000).toFixed(1)} s; gateway holds ${heldOpen}; holding ${settings.holdMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, settings.holdMs));
    const probe = await fleet.send<"replied">({ op: "request", group: "load", from: 0, to: load.opened, frame: { action: "ping" }, concurrency: 100, timeoutMs: 60_000 });
    const fleetStats = await fleet.send<"stats">({ op: "stats" });
    loadResult = {
      connections: settings.loadConnections,
      opened: load.opened,
      failed: load.failed,
      openAtGateway: heldOpen,
      connectPerSec: round(load.opened / (load.ms / 1000), 0),
      pongs: probe.types.pong ?? 0,
      heldMs: settings.holdMs,
      memoryMb: {
        benchProcess: mb(process.memoryUsage().rss),
        benchProcessGrowth: mb(process.memoryUsage().rss - rssBefore),
        heapUsed: mb(process.memoryUsage().heapUsed),
        lambdaRuntime: mb(rssOfPid(childPid("runtime-process-main"))),
        clientFleet: mb(fleetStats.rssBytes),
        dynamodbLocal: mb(rssOfPid(dynamo.pid)),
      },
    };
    progress(`  pongs ${loadResult.pongs}/${load.opened}; memory ${JSON.stringify(loadResult.memoryMb)} MB`);

      // Closed in slices: each close runs $disconnect (DynamoDB deletes); all at once would only
      // measure a queue.
      for (let left = load.opened; left > 0; left -= 500) {
        await fleet.send({ op: "kill", group: "load", count: 500 });
        await settleDisconnects(stack, Math.max(0, left - 500));
      }
    }

    const result = {
      startedAt: new Date(performance.timeOrigin + benchStarted).toISOString(),
      mode: quick ? "quick" : "full",
      machine: { cpus: (await import("node:os")).cpus().length, node: process.version, loadAverage: (await import("node:os")).loadavg() },
      fanout,
      transport,
      chat,
      chatRuns,
      coldImports,
      load: loadResult,
      cost: windows.map(({ n, window, cost }) => ({ n, window, cost })),
      costConnectionHour: connectionHourCost,
      durationSec: round((performance.now() - benchStarted) / 1000, 0),
    };
    const outDir = join(rootDir, ".local", "bench");
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, "latest.json"), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(join(outDir, `${result.startedAt.replace(/[:.]/g, "-")}.json`), `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(renderTables(result));
    progress(`done in ${result.durationSec} s → .local/bench/latest.json`);
  } catch (error) {
    // Reported before anything is stopped: stopping can fail in its own ways.
    progress(`FAILED: ${(error as Error).stack ?? error}`);
    process.exitCode = 1;
  } finally {
    await stopAll();
  }
}

type Result = {
  fanout: Record<string, unknown>[];
  transport: Record<string, unknown>[];
  chat: { messagesPerSec: number; deliveriesPerSec: number; ackedPerSec: number; subscribers: number; messages: number; window: number; missing: number } | undefined;
  coldImports: ColdImport[];
  load: { connections: number; opened: number; failed: number; openAtGateway: number; connectPerSec: number; pongs: number; heldMs: number; memoryMb: Record<string, number> } | undefined;
  cost: { n: number; window: CountedWindow; cost: CostLine[] }[];
  mode: string;
  machine: { cpus: number; loadAverage: number[] };
};

export function renderTables(result: Result): string {
  const lines: string[] = [];
  const row = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
  const table = (title: string, header: string[], align: string[], rows: (string | number)[][]) => {
    if (rows.length === 0) return;
    lines.push("", title, "", row(header), row(align), ...rows.map(row));
  };
  const load = result.machine.loadAverage.map((l) => l.toFixed(1)).join(" ");
  table(
    `Fan-out of one status change (median of rounds; ${result.mode} run, ${result.machine.cpus} CPUs, load ${load})`,
    ["N", "bare ws deliveries/s", "stack deliveries/s", "stack/bare", "bare p50 ms", "bare p99 ms", "stack p50 ms", "stack p99 ms"],
    ["---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:"],
    result.fanout.map((f) => [f.n as number, f.bareWsDeliveriesPerSec as number, f.stackDeliveriesPerSec as number, `1/${round(1 / (f.ratio as number), 1)}`, f.bareP50Ms as number, f.bareP99Ms as number, f.stackP50Ms as number, f.stackP99Ms as number]),
  );
  table(
    "@connections client alone (same posts, 25 in flight, gateway in the same process)",
    ["client", "posts/s", "CPU ms per post"],
    ["---", "---:", "---:"],
    result.transport.map((t) => [t.client as string, t.postsPerSec as number, t.cpuMsPerPost as number]),
  );
  if (result.chat) {
    const c = result.chat;
    lines.push("", `Chat, one order room with ${c.subscribers} subscribers: ${c.messagesPerSec} messages/s fully delivered (${c.deliveriesPerSec} deliveries/s), acked ${c.ackedPerSec}/s, best with ${c.window} in flight`);
  }
  if (result.load) {
    const l = result.load;
    lines.push("", `Load: ${l.opened}/${l.connections} connections opened (${l.connectPerSec}/s), ${l.openAtGateway} held at the gateway, ${l.pongs} pongs after the hold; memory MB ${JSON.stringify(l.memoryMb)}`);
  }
  table(
    "Cold import of each bundled handler (fresh node process; median)",
    ["handler", "bundle KB", "import ms", "process ms"],
    ["---", "---:", "---:", "---:"],
    result.coldImports.map((c) => [c.handler, c.bundleKb, round(c.importMs), round(c.processMs, 0)]),
  );
  table(
    "Cost per million delivered events on AWS (us-east-1 on-demand list prices; counted in the fan-out rounds)",
    ["N", "connections", "design", "RCU/event", "WCU/event", "Lambda inv./event", "messages/event", "DynamoDB $", "Lambda $", "API GW $", "total $"],
    ["---:", "---:", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:"],
    result.cost.flatMap(({ n, window, cost }) =>
      cost.map((c) => [n, window.connections, c.design, round(c.perEvent.rcu), round(c.perEvent.wcu), round(c.perEvent.invocations), round(c.perEvent.messages, 0), round(c.perMillionDelivered.dynamodb, 2), round(c.perMillionDelivered.lambda, 2), round(c.perMillionDelivered.apiGateway, 2), round(c.perMillionDelivered.total, 2)]),
    ),
  );
  lines.push("");
  return `${lines.join("\n")}\n`;
}

await main().catch((error: Error) => {
  progress(`FAILED: ${error.stack ?? error}`);
  process.exitCode = 1;
});
// Every server and child is stopped by now; exit even if a library kept a timer alive.
process.exit(process.exitCode ?? 0);
