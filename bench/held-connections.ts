/**
 * Phase "load": thousands of connections held at once (authorizer + `$connect` each), then every
 * one probed with `ping` (each must answer `pong`), with the memory of every process involved.
 */
import { readdirSync, readFileSync } from "node:fs";
import { type Bench, progress, settings } from "./bench-context";
import { round } from "./stats";

export interface HeldConnectionsResult {
  connections: number;
  opened: number;
  failed: number;
  openAtGateway: number;
  connectPerSec: number;
  pongs: number;
  heldMs: number;
  memoryMb: Record<string, number>;
}

export async function measureHeldConnections(bench: Bench): Promise<HeldConnectionsResult> {
  const { stack, fleet } = bench;
  progress(`load: opening ${settings.loadConnections} more connections …`);
  const rssBefore = process.memoryUsage().rss;
  const load = await fleet.send<"connected">({
    op: "connect",
    group: "load",
    ...bench.loadTarget,
    count: settings.loadConnections,
    concurrency: 50,
  });
  const heldOpen = stack.gateway().counts().openConnections;
  progress(
    `  ${load.opened} opened (${load.failed} failed) in ${(load.ms / 1000).toFixed(1)} s; gateway holds ${heldOpen}; holding ${settings.holdMs / 1000} s`,
  );
  await new Promise((resolve) => setTimeout(resolve, settings.holdMs));
  const probe = await fleet.send<"replied">({
    op: "request",
    group: "load",
    from: 0,
    to: load.opened,
    frame: { action: "ping" },
    concurrency: 100,
    timeoutMs: 60_000,
  });
  const fleetStats = await fleet.send<"stats">({ op: "stats" });
  const result: HeldConnectionsResult = {
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
      dynamodbLocal: mb(rssOfPid(bench.dynamo.pid)),
    },
  };
  progress(`  pongs ${result.pongs}/${load.opened}; memory ${JSON.stringify(result.memoryMb)} MB`);

  // Closed in slices: each close runs $disconnect (DynamoDB deletes); all at once would only
  // measure a queue.
  for (let left = load.opened; left > 0; left -= 500) {
    await fleet.send({ op: "kill", group: "load", count: 500 });
    await bench.settleDisconnects(Math.max(0, left - 500));
  }
  return result;
}

const mb = (bytes: number) => round(bytes / 1024 / 1024, 0);

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
