/**
 * `npm run bench` (`-- --quick` for a shorter run, `--phases=fanout,transport` for a subset):
 * Live Orders on the local stack against a bare `ws` baseline measured in the same run (SPEC §9).
 * Everything on loopback, every phase bounded in count and time; progress on stderr, the tables
 * on stdout, the numbers in `.local/bench/latest.json` (and a timestamped copy). One file per
 * phase: fanout.ts, transport.ts, chat.ts, cold-import.ts, held-connections.ts, cost.ts.
 */

import {
  type Bench,
  phases,
  progress,
  quick,
  secondsSinceStart,
  settings,
  startBench,
  startedAt,
  startPipelinedBench,
} from "./bench-context";
import { measureChat } from "./chat";
import { measureHandlerColdImports } from "./cold-import";
import { costOfFanout } from "./cost";
import { measureFanout } from "./fanout";
import { measureHeartbeat } from "./heartbeat";
import { measureHeldConnections } from "./held-connections";
import { type PhaseResults, renderTables, result, writeResult } from "./report";
import { measureTransport } from "./transport";

async function runPhases(bench: Bench): Promise<PhaseResults> {
  const { fanout, windows } = phases.has("fanout") ? await measureFanout(bench) : { fanout: [], windows: [] };
  const heartbeat = phases.has("fanout") ? await measureHeartbeat(bench) : undefined;
  if (phases.has("pipelined")) {
    // The pipelined opt-in in a row of its own, at the largest N only (where it could matter).
    progress("the same fan-out with the pipelined @connections opt-in (4 connections × 32) …");
    const pipelined = await startPipelinedBench(bench);
    try {
      const largest = Math.max(...settings.sizes);
      fanout.push(...(await measureFanout(pipelined, { sizes: [largest], transport: "pipelined" })).fanout);
    } finally {
      await pipelined.stop();
    }
  }
  const transport = phases.has("transport") ? await measureTransport(bench) : [];
  const { chat, chatRuns } = phases.has("chat") ? await measureChat(bench) : { chat: undefined, chatRuns: [] };
  const coldImports = phases.has("cold") ? await measureHandlerColdImports(bench) : [];
  const load = phases.has("load") ? await measureHeldConnections(bench) : undefined;
  return { fanout, transport, chat, chatRuns, coldImports, load, cost: costOfFanout(windows), heartbeat };
}

async function main(): Promise<void> {
  setTimeout(() => {
    progress(`time budget of ${settings.budgetMs / 60_000} minutes exceeded: giving up`);
    process.exit(2);
  }, settings.budgetMs).unref();
  progress(
    `Live Orders benchmark (${quick ? "quick" : "full"}): sizes ${settings.sizes.join(", ")}, ${settings.rounds} rounds each`,
  );
  const bench = await startBench();
  process.once("SIGINT", () => void bench.stop().then(() => process.exit(130)));
  try {
    const measured = await runPhases(bench);
    const output = result({
      startedAt,
      mode: quick ? "quick" : "full",
      durationSec: secondsSinceStart(),
      phases: measured,
    });
    writeResult(output);
    process.stdout.write(renderTables(output));
    progress(`done in ${output.durationSec} s → .local/bench/latest.json`);
  } catch (error) {
    // Reported before anything is stopped: stopping can fail in its own ways.
    progress(`FAILED: ${(error as Error).stack ?? error}`);
    process.exitCode = 1;
  } finally {
    await bench.stop();
  }
}

await main().catch((error: Error) => {
  progress(`FAILED: ${error.stack ?? error}`);
  process.exitCode = 1;
});
// Every server and child is stopped by now; exit even if a library kept a timer alive.
process.exit(process.exitCode ?? 0);
