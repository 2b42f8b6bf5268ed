/**
 * Idle CPU of the stream poller at a given poll interval, with nothing written: this process
 * (GetRecords through the SDK) and DynamoDB Local (its JVM and children). What a shorter
 * `pollIntervalMs` costs while nothing happens: `npx tsx bench/poller-idle-cpu.ts 10`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { tableDefinition } from "@live-orders/core/table-definition";
import { createTable, startDynamoDbLocal } from "@live-orders/local/dynamodb/dynamodb-local";
import { startStreamPoller } from "@live-orders/local/streams/stream-poller";

const interval = Number(process.argv[2] ?? 50);
const seconds = 15;
const ticks = (pid: number) => {
  // utime + stime (fields 14 and 15 of /proc/<pid>/stat), in clock ticks of 10 ms.
  const f = (readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1] ?? "").split(" ");
  return Number(f[11]) + Number(f[12]);
};
const tree = (root: number): number[] => {
  const all = readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
  const parent = new Map<number, number>();
  for (const p of all) {
    try {
      parent.set(p, Number((readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1] ?? "").split(" ")[1]));
    } catch {
      // Exited meanwhile.
    }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const [p, pp] of parent) if (pp === out[i]) out.push(p);
  return out;
};
const db = await startDynamoDbLocal({});
try {
  await createTable({ endpoint: db.endpoint, tableName: "idle", definition: tableDefinition });
  // Nothing is written, so no handler is ever invoked.
  const loader = { load: async () => async () => undefined, invoke: async () => undefined, close: async () => {} };
  const poller = startStreamPoller({
    endpoint: db.endpoint,
    tableName: "idle",
    handler: "x/y.handler",
    loader,
    pollIntervalMs: interval,
    idlePollIntervalMs: interval,
  });
  await poller.ready;
  await new Promise((r) => setTimeout(r, 3000));
  if (db.pid === undefined) throw new Error("DynamoDB Local has no pid");
  const pids = tree(db.pid);
  const jvm0 = pids.reduce((s, p) => s + ticks(p), 0);
  const node0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const jvm = (pids.reduce((s, p) => s + ticks(p), 0) - jvm0) * 10; // ms (CLK_TCK 100)
  const u = process.cpuUsage(node0);
  const node = (u.user + u.system) / 1000;
  console.log(
    `poll ${interval} ms: node ${(node / seconds / 10).toFixed(1)} % of a core, DynamoDB Local ${(jvm / seconds / 10).toFixed(1)} % of a core (${seconds} s idle)`,
  );
  await poller.stop();
} finally {
  await db.stop();
}
