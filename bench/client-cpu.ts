/**
 * The lean `@connections` client's own CPU per post, apart from any gateway: 20 000 posts of one
 * fan-out frame to 1 000 connection ids, 25 in flight (the fan-out's concurrency), to a trivial
 * HTTP/1.1 server in another process that answers every request 200. Five runs after a warm-up;
 * prints a table and writes .local/bench/client-cpu.json. `npx tsx bench/client-cpu.ts`
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LeanConnectionsClient } from "@live-orders/connections/lean-client";
import { rootDir } from "@live-orders/local/testing/app-stack";
import { median, round } from "./stats";

/** Answers each read's requests in one write, as the gateway's management connections do. */
const answeringServer = `
const server = require("node:net").createServer((socket) => {
  socket.setNoDelay(true);
  let buffer = Buffer.alloc(0);
  socket.on("data", (data) => {
    buffer = buffer.length ? Buffer.concat([buffer, data]) : data;
    let out = "";
    for (;;) {
      const end = buffer.indexOf("\\r\\n\\r\\n");
      if (end < 0) break;
      const length = Number(/content-length: (\\d+)/i.exec(buffer.toString("latin1", 0, end))?.[1] ?? 0);
      if (buffer.length < end + 4 + length) break;
      buffer = buffer.subarray(end + 4 + length);
      out += "HTTP/1.1 200 OK\\r\\nx-amzn-RequestId: 0123456789abcdef\\r\\ncontent-length: 0\\r\\n\\r\\n";
    }
    if (out) socket.write(out);
  });
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
`;

const posts = 20_000;
const inFlight = 25;
const runs = 5;

const server = spawn(process.execPath, ["-e", answeringServer], { stdio: ["ignore", "pipe", "inherit"] });
const port = await new Promise<number>((resolve) => server.stdout?.once("data", (d) => resolve(Number(String(d)))));
const client = new LeanConnectionsClient({
  endpoint: `http://127.0.0.1:${port}/local`,
  region: "us-east-1",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
});
const orderId = "6a71cdb3-ccaf-48ea-afde-83cfece9c044";
const frame = new TextEncoder().encode(
  JSON.stringify({
    type: "event",
    topic: `order:${orderId}`,
    seq: 3,
    event: { type: "status", status: "preparing", orderId, seq: 3, at: new Date().toISOString() },
  }),
);
const ids = Array.from({ length: 1000 }, (_, i) => `L0SM9cOFvHcC${String(i).padStart(4, "0")}=`);

async function run(count: number) {
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) await client.post(ids[next++ % ids.length] as string, frame);
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return { cpuUsPerPost: (cpu.user + cpu.system) / count, postsPerSec: count / ((performance.now() - t0) / 1000) };
}

await run(5_000);
const results = [];
for (let i = 0; i < runs; i++) results.push(await run(posts));
client.destroy();
server.kill();

const summary = {
  posts,
  inFlight,
  runs: results,
  medianCpuUsPerPost: round(median(results.map((r) => r.cpuUsPerPost)), 1),
  medianPostsPerSec: round(median(results.map((r) => r.postsPerSec)), 0),
};
process.stdout.write(
  `| run | client CPU µs/post | posts/s |\n| ---: | ---: | ---: |\n${results
    .map((r, i) => `| ${i + 1} | ${round(r.cpuUsPerPost, 1)} | ${round(r.postsPerSec, 0)} |`)
    .join("\n")}\n| median | ${summary.medianCpuUsPerPost} | ${summary.medianPostsPerSec} |\n`,
);
const file = join(rootDir, ".local", "bench", "client-cpu.json");
mkdirSync(join(rootDir, ".local", "bench"), { recursive: true });
writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
