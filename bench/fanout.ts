/**
 * Phase "fanout": a status change fanned out to N = 1, 100, 1000 subscribers. The change goes in
 * over REST, through DynamoDB Local's stream, the stream poller, the fan-out handler and the
 * gateway's `@connections`, to `ws` clients in the fleet process; the bare `ws` server
 * broadcasts the very frame the stack delivered to the same number of clients. Rounds alternate
 * stack/bare so both see the same machine load; the first round of each N warms up.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { dirname, join } from "node:path";
import type { Order, OrderStatus } from "@live-orders/core/protocol";
import { rootDir } from "@live-orders/local/testing/app-stack";
import { type Bench, now, progress, settings } from "./bench-context";
import { type CountedWindow, countedWindow, type FanoutCounts } from "./cost";
import { summarize } from "./profile-summary";
import { median, percentile, round } from "./stats";

/** Status changes available per order: placed → confirmed → … → delivered. */
const statusWalk: readonly OrderStatus[] = ["confirmed", "preparing", "ready", "out_for_delivery", "delivered"];

export interface RoundResult {
  deliveriesPerSec: number;
  p50Ms: number;
  p99Ms: number;
  missing: number;
}

export interface FanoutResult {
  n: number;
  /** The `@connections` transport the fan-out posted with: the default (one request per connection) or the pipelined opt-in. */
  transport: "default" | "pipelined";
  bareWsDeliveriesPerSec: number;
  stackDeliveriesPerSec: number;
  bareP50Ms: number;
  bareP99Ms: number;
  stackP50Ms: number;
  stackP99Ms: number;
  ratio: number;
  rounds: { stack: RoundResult[]; bare: RoundResult[] };
  payloadBytes: number;
}

export interface FanoutWindow {
  n: number;
  window: CountedWindow;
  counts: FanoutCounts;
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

export async function measureFanout(
  bench: Bench,
  o: { sizes?: readonly number[]; transport?: FanoutResult["transport"] } = {},
): Promise<{ fanout: FanoutResult[]; windows: FanoutWindow[] }> {
  const sizes = o.sizes ?? settings.sizes;
  const transport = o.transport ?? "default";
  const maxN = Math.max(...sizes);
  progress(`connecting ${maxN} subscriber sockets (staff users) …`);
  const connected = await bench.fleet.send<"connected">({
    op: "connect",
    group: "stack",
    ...bench.stackTarget,
    count: maxN,
    concurrency: 25,
  });
  if (connected.failed > 0) throw new Error(`${connected.failed} connections refused: ${connected.firstError}`);
  progress(
    `  ${connected.opened} connected in ${(connected.ms / 1000).toFixed(1)} s (${round(connected.opened / (connected.ms / 1000), 0)}/s)`,
  );

  const fanout: FanoutResult[] = [];
  const windows: FanoutWindow[] = [];
  for (const n of sizes) {
    const { result, window } = await fanoutTo(bench, n, settings.profileFanout && n === maxN);
    fanout.push({ ...result, transport });
    windows.push(window);
  }
  await bench.fleet.send({ op: "kill", group: "stack" });
  await bench.settleDisconnects();
  return { fanout, windows };
}

/** A status walk has 5 changes; more rounds take more orders, each subscribed by the same N. */
async function subscribeNewOrder({ fleet, placeOrder }: Bench, n: number): Promise<Order> {
  const created = await placeOrder();
  const subscribed = await fleet.send<"replied">({
    op: "request",
    group: "stack",
    from: 0,
    to: n,
    frame: { action: "subscribe", topic: `order:${created.id}` },
    concurrency: 25,
    timeoutMs: 60_000,
  });
  if (subscribed.types.subscribed !== n)
    throw new Error(`subscribe replies for N=${n}: ${JSON.stringify(subscribed.types)}`);
  return created;
}

/** One order's walk through `statusWalk`, subscribed by the first N stack sockets. */
interface Walk {
  order: Order;
  version: number;
  seq: number;
  step: number;
}

async function newWalk(bench: Bench, n: number): Promise<Walk> {
  const order = await subscribeNewOrder(bench, n);
  return { order, version: order.version, seq: order.seq, step: 0 };
}

/** The stack: REST status change → table → stream → fan-out → @connections → clients. */
async function stackRound(
  bench: Bench,
  n: number,
  walk: Walk,
): Promise<{ round: RoundResult; sample: string | undefined }> {
  walk.seq += 1;
  const armed = await bench.fleet.arm({
    op: "arm",
    group: "stack",
    from: 0,
    to: n,
    marker: `"topic":"order:${walk.order.id}","seq":${walk.seq},`,
    count: 1,
    timeoutMs: settings.roundTimeoutMs,
  });
  const t0 = now();
  const updated = await bench.staff.setStatus(walk.order.id, statusWalk[walk.step++] as OrderStatus, walk.version);
  walk.version = updated.version;
  const received = await armed.received;
  return { round: roundResult(t0, received.times), sample: received.sample };
}

async function fanoutTo(
  bench: Bench,
  n: number,
  profile: boolean,
): Promise<{ result: Omit<FanoutResult, "transport">; window: FanoutWindow }> {
  const { stack, fleet, bare } = bench;
  const bareGroup = `bare-${n}`;
  await fleet.send({ op: "connect", group: bareGroup, url: bare.url, count: n, concurrency: 50 });

  // The cost window: one order's walk, every call billed by the counting proxy. Not timed: the
  // proxy reads what each call touched before answering it, which AWS does not do.
  let walk = await newWalk(bench, n);
  progress(
    `N=${n}: ${n} subscribed to order ${walk.order.id.slice(0, 8)}…, ${bare.clients()} bare clients (${bench.transport} transport); counting the cost of ${statusWalk.length - 1} changes …`,
  );
  let payload = (await stackRound(bench, n, walk)).sample ?? "";
  stack.setDynamoDbCounting(true);
  stack.resetCounts();
  let costEvents = 0;
  while (walk.step < statusWalk.length) {
    const { round: counted, sample } = await stackRound(bench, n, walk);
    if (counted.missing > 0) throw new Error(`deliveries missing at N=${n} (cost window)`);
    payload = sample ?? payload;
    costEvents += 1;
  }
  const counts: FanoutCounts = {
    dynamodb: stack.dynamoDbCounts(),
    invocations: stack.invocations(),
    gateway: stack.gateway().counts(),
  };

  stack.setDynamoDbCounting(false);

  // The timed rounds, uncounted: the stack as it runs on AWS, beside the bare baseline.
  const stackRounds: RoundResult[] = [];
  const bareRounds: RoundResult[] = [];
  const profiling = profile ? new Session() : undefined;
  walk = await newWalk(bench, n);
  for (let r = 0; r <= settings.rounds; r++) {
    const warmUp = r === 0;
    if (r === 1 && profiling) {
      profiling.connect();
      await profiling.post("Profiler.enable");
      await profiling.post("Profiler.start");
    }
    if (walk.step === statusWalk.length) walk = await newWalk(bench, n);
    const { round: stackResult, sample } = await stackRound(bench, n, walk);
    payload = sample ?? payload;
    // The baseline: the same frame (seq made unique per round), broadcast to the same N.
    const bareMarker = `"seq":${100_000 + r},`;
    const barePayload = payload.replace(/"seq":\d+,/, bareMarker);
    const bareArmed = await fleet.arm({
      op: "arm",
      group: bareGroup,
      from: 0,
      to: n,
      marker: bareMarker,
      count: 1,
      timeoutMs: settings.roundTimeoutMs,
    });
    const bareT0 = now();
    bare.broadcast(barePayload);
    const bareRound = roundResult(bareT0, (await bareArmed.received).times);
    progress(
      `  ${warmUp ? "warm-up" : `round ${r}`}: stack ${round(stackResult.deliveriesPerSec, 0)}/s p50 ${round(stackResult.p50Ms)} ms p99 ${round(stackResult.p99Ms)} ms` +
        ` | bare ${round(bareRound.deliveriesPerSec, 0)}/s p50 ${round(bareRound.p50Ms)} ms p99 ${round(bareRound.p99Ms)} ms` +
        (stackResult.missing + bareRound.missing > 0 ? ` | MISSING ${stackResult.missing}+${bareRound.missing}` : ""),
    );
    if (stackResult.missing > 0 || bareRound.missing > 0) throw new Error(`deliveries missing at N=${n}`);
    if (!warmUp) {
      stackRounds.push(stackResult);
      bareRounds.push(bareRound);
    }
  }

  if (profiling) {
    const { profile: cpuProfile } = await profiling.post("Profiler.stop");
    profiling.disconnect();
    const file = join(rootDir, ".local", "bench", `fanout-n${n}.cpuprofile`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(cpuProfile));
    progress(
      `  CPU profile of the measured rounds: ${file}\n${summarize(cpuProfile as Parameters<typeof summarize>[0], 15)}`,
    );
  }

  // What the cost window's changes cost (the bare rounds touch nothing of the stack).
  const window = await countedWindow(stack, {
    n,
    events: costEvents,
    counts,
    payloadBytes: Buffer.byteLength(payload),
    httpRequests: Object.entries(counts.invocations)
      .filter(([handler]) => handler.startsWith("packages/functions/src/http/"))
      .reduce((sum, [, entry]) => sum + entry.count, 0),
    subscriberQueryRru: counts.dynamodb?.billed.byPartitionPrefix["Query TOPIC#"]?.rru ?? 0,
  });
  await fleet.send({ op: "kill", group: bareGroup });

  const pick = (rounds: RoundResult[], key: keyof RoundResult) =>
    round(median(rounds.map((x) => x[key])), key === "deliveriesPerSec" ? 0 : 1);
  return {
    result: {
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
    },
    window: { n, window, counts },
  };
}
