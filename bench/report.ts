/**
 * The bench's output: `.local/bench/latest.json` (and a timestamped copy) and the tables on
 * stdout. The JSON's shape is what docs/benchmarks.md describes.
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { rootDir } from "@live-orders/local/testing/app-stack";
import type { ChatResult } from "./chat";
import type { ColdImport } from "./cold-import";
import { type CostLine, type CountedWindow, connectionHourCost } from "./cost";
import type { FanoutResult } from "./fanout";
import type { HeartbeatCost } from "./heartbeat";
import type { HeldConnectionsResult } from "./held-connections";
import { round } from "./stats";
import type { TransportResult } from "./transport";

export interface Result {
  startedAt: string;
  mode: string;
  machine: { cpus: number; node: string; loadAverage: number[] };
  fanout: FanoutResult[];
  transport: TransportResult[];
  chat: ChatResult | undefined;
  chatRuns: ChatResult[];
  coldImports: ColdImport[];
  load: HeldConnectionsResult | undefined;
  cost: { n: number; window: CountedWindow; cost: CostLine[] }[];
  heartbeat: HeartbeatCost | undefined;
  costConnectionHour: number;
  durationSec: number;
}

export type PhaseResults = Omit<Result, "startedAt" | "mode" | "machine" | "costConnectionHour" | "durationSec">;

export function result(o: { startedAt: string; mode: string; durationSec: number; phases: PhaseResults }): Result {
  const { phases } = o;
  return {
    startedAt: o.startedAt,
    mode: o.mode,
    machine: { cpus: cpus().length, node: process.version, loadAverage: loadavg() },
    fanout: phases.fanout,
    transport: phases.transport,
    chat: phases.chat,
    chatRuns: phases.chatRuns,
    coldImports: phases.coldImports,
    load: phases.load,
    cost: phases.cost,
    heartbeat: phases.heartbeat,
    costConnectionHour: connectionHourCost,
    durationSec: round(o.durationSec, 0),
  };
}

/** `.local/bench/latest.json` and `<startedAt>.json` beside it. */
export function writeResult(result: Result): void {
  const outDir = join(rootDir, ".local", "bench");
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "latest.json"), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(outDir, `${result.startedAt.replace(/[:.]/g, "-")}.json`), `${JSON.stringify(result, null, 2)}\n`);
}

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
    [
      "N",
      "@connections transport",
      "bare ws deliveries/s",
      "stack deliveries/s",
      "stack/bare",
      "bare p50 ms",
      "bare p99 ms",
      "stack p50 ms",
      "stack p99 ms",
    ],
    ["---:", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:"],
    result.fanout.map((f) => [
      f.n,
      f.transport === "pipelined" ? "pipelined opt-in (4 × 32)" : "default (1 per connection)",
      f.bareWsDeliveriesPerSec,
      f.stackDeliveriesPerSec,
      `1/${round(1 / f.ratio, 1)}`,
      f.bareP50Ms,
      f.bareP99Ms,
      f.stackP50Ms,
      f.stackP99Ms,
    ]),
  );
  table(
    "@connections client alone (same posts, 25 in flight, gateway in the same process)",
    ["client", "posts/s", "CPU ms per post"],
    ["---", "---:", "---:"],
    result.transport.map((t) => [t.client, t.postsPerSec, t.cpuMsPerPost]),
  );
  if (result.chat) {
    const c = result.chat;
    lines.push(
      "",
      `Chat, one order room with ${c.subscribers} subscribers: ${c.messagesPerSec} messages/s fully delivered (${c.deliveriesPerSec} deliveries/s), acked ${c.ackedPerSec}/s, best with ${c.window} in flight`,
    );
  }
  if (result.load) {
    const l = result.load;
    lines.push(
      "",
      `Load: ${l.opened}/${l.connections} connections opened (${l.connectPerSec}/s), ${l.openAtGateway} held at the gateway, ${l.pongs} pongs after the hold; memory MB ${JSON.stringify(l.memoryMb)}`,
    );
  }
  table(
    "Cold import of each bundled handler, as SST bundles it (fresh node process; median; ratio to the trivial handler's import in the same run)",
    ["handler", "bundle KB", "import ms", "× trivial", "process ms"],
    ["---", "---:", "---:", "---:", "---:"],
    result.coldImports.map((c) => [
      c.handler,
      c.bundleKb,
      round(c.importMs),
      round(c.importRatio, 1),
      round(c.processMs, 0),
    ]),
  );
  table(
    "Cost per million delivered events on AWS by AWS's billing rules (us-east-1 on-demand list prices; counted in each N's cost rounds, before its timed ones)",
    [
      "N",
      "connections",
      "design",
      "RRU/event",
      "WRU/event",
      "Lambda inv./event",
      "WS messages/event",
      "AppSync ops/event",
      "DynamoDB $",
      "Lambda $",
      "API GW $",
      "AppSync $",
      "total $",
    ],
    ["---:", "---:", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:"],
    result.cost.flatMap(({ n, window, cost }) =>
      cost.map((c) => [
        n,
        window.connections,
        c.design,
        round(c.perEvent.rru),
        round(c.perEvent.wru),
        round(c.perEvent.invocations),
        round(c.perEvent.messages, 0),
        round(c.perEvent.appSyncOperations, 0),
        round(c.perMillionDelivered.dynamodb, 2),
        round(c.perMillionDelivered.lambda, 2),
        round(c.perMillionDelivered.apiGateway, 2),
        round(c.perMillionDelivered.appSync, 2),
        round(c.perMillionDelivered.total, 2),
      ]),
    ),
  );
  if (result.cost.length > 0) {
    lines.push(
      "",
      `DynamoDB Local's consumed capacity for the same windows (cross-check, not the bill): ${result.cost
        .map(
          ({ n, window }) =>
            `N=${n} ${round(window.localRcu / window.events)} RCU + ${round(window.localWcu / window.events)} WCU per event`,
        )
        .join("; ")}`,
    );
  }
  if (result.heartbeat) {
    const h = result.heartbeat;
    table(
      `The heartbeat per million connection-hours (a ping every ${h.intervalMinutes} minutes: ${h.pingsPerHour} per hour; measured ping: ${round(h.perPing.rru)} RRU, ${round(h.perPing.wru)} WRU, ${round(h.perPing.lambdaMs)} ms)`,
      ["part", "$ per million connection-hours"],
      ["---", "---:"],
      [
        ["ping + pong messages (WebSocket API)", round(h.perMillionConnectionHours.messages, 2)],
        ["ping Lambda (requests + GB-s)", round(h.perMillionConnectionHours.lambda, 2)],
        ["ping DynamoDB (reads only)", round(h.perMillionConnectionHours.dynamodb, 2)],
        ["heartbeat total", round(h.perMillionConnectionHours.total, 2)],
        ["API Gateway's connection-minutes", round(h.apiGatewayConnectionMinutes, 2)],
        ["AppSync Events' connection-minutes (its keep-alive is free)", round(h.appSyncConnectionMinutes, 2)],
      ],
    );
  }
  lines.push("");
  return `${lines.join("\n")}\n`;
}
