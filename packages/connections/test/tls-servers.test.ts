/**
 * The lean `@connections` client over TLS against HTTPS servers that close connections the ways
 * a real endpoint may (https-servers.worker.mjs, in a worker thread so they keep running while
 * this thread is blocked): one that answers strictly in order and closes after N responses, one
 * that answers pipelined requests concurrently and closes every N, one that closes idle sockets
 * while the client's event loop is blocked, as during a Lambda freeze. The default transport (one
 * request per connection) must deliver every post exactly once on all three; the pipelined
 * opt-in must deliver every post, and its duplicates are counted. Each case prints posts,
 * executions and failures (docs/benchmarks.md keeps the figures).
 */
import { Worker } from "node:worker_threads";
import { generate } from "selfsigned";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LeanConnectionsClient } from "../src/lean-client";

const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" };
const posts = 2000;
/** The fan-out's posts in flight: 25 per topic, two topics per event. */
const inFlight = 50;
const closeAfter = 3;
const idleMs = 100;
/**
 * No bound of the behaviour under test: the close-every-3 servers make the client open ~700 TLS
 * connections per case (≈ 2 s alone here), which the unit project's 5 s default does not leave
 * room for on a machine shared with other test runs.
 */
const caseTimeoutMs = 60_000;

const modes = {
  default: {},
  // The opt-in as infra/ would set it, and the transport's old default: 4 connections × 32.
  pipelined: { connections: 4, pipelining: 32 },
} as const;
type Mode = keyof typeof modes;

let worker: Worker;
let ports: Record<"in-order" | "concurrent" | "concurrent-100" | "idle", number>;
let cert: string;

const nextMessage = <T>() => new Promise<T>((resolve) => worker.once("message", resolve));

beforeAll(async () => {
  const pems = await generate([{ name: "commonName", value: "127.0.0.1" }], {
    keySize: 2048,
    algorithm: "sha256",
    extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] }],
  });
  cert = pems.cert;
  worker = new Worker(new URL("./https-servers.worker.mjs", import.meta.url), {
    workerData: { key: pems.private, cert, closeAfter, idleMs },
  });
  ({ ports } = await nextMessage<{ ports: typeof ports }>());
});

afterAll(async () => {
  worker?.postMessage("stop");
  await worker?.terminate();
});

interface Outcome {
  mode: Mode;
  server: string;
  posts: number;
  executions: number;
  /** Executions beyond the first of a post. */
  duplicates: number;
  /** Posts never executed. */
  lost: number;
  /** Posts that rejected after every attempt. */
  failures: number;
  connectionsOpened: number;
  requestsResent: number;
}

/** Blocks this thread's event loop, as a frozen Lambda environment runs nothing. */
function freeze(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy: no timer, no I/O callback runs
  }
}

async function run(
  mode: Mode,
  server: keyof typeof ports,
  o: { bursts?: number; pauseMs?: number } = {},
): Promise<Outcome> {
  const client = new LeanConnectionsClient({
    endpoint: `https://127.0.0.1:${ports[server]}/prod`,
    region: "us-east-1",
    credentials,
    ca: cert,
    ...modes[mode],
  });
  const bursts = o.bursts ?? 1;
  const perBurst = posts / bursts;
  let failures = 0;
  for (let burst = 0; burst < bursts; burst++) {
    if (burst > 0 && o.pauseMs) {
      // Idle long enough for the server to close every connection, then frozen through it.
      await new Promise((resolve) => setTimeout(resolve, 20));
      freeze(o.pauseMs);
    }
    let next = burst * perBurst;
    const end = next + perBurst;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < end) {
          const id = next++;
          await client.post(`conn-${id % 97}`, `post-${id}`).catch(() => {
            failures += 1;
          });
        }
      }),
    );
  }
  const stats = client.stats();
  client.destroy();
  worker.postMessage("executions");
  const { executions } = await nextMessage<{ executions: [string, number][] }>();
  const counts = new Map(executions);
  const executed = [...counts.values()].reduce((sum, n) => sum + n, 0);
  const outcome: Outcome = {
    mode,
    server,
    posts,
    executions: executed,
    duplicates: executed - counts.size,
    lost: posts - counts.size,
    failures,
    connectionsOpened: stats.connectionsOpened,
    requestsResent: stats.requestsResent,
  };
  console.info(
    `[tls] ${mode.padEnd(9)} ${server.padEnd(10)} posts ${outcome.posts}, executions ${outcome.executions}, ` +
      `duplicates ${outcome.duplicates}, failures ${outcome.failures}, lost ${outcome.lost}; ` +
      `connections ${outcome.connectionsOpened}, re-sent ${outcome.requestsResent}`,
  );
  return outcome;
}

describe("the default transport (no pipelining) delivers every post exactly once", { timeout: caseTimeoutMs }, () => {
  it(`to a server that answers in order and closes after ${closeAfter} responses`, async () => {
    const outcome = await run("default", "in-order");
    expect(outcome).toMatchObject({ executions: posts, duplicates: 0, lost: 0, failures: 0 });
  });

  it(`to a server that answers pipelined requests concurrently and closes every ${closeAfter}`, async () => {
    const outcome = await run("default", "concurrent");
    expect(outcome).toMatchObject({ executions: posts, duplicates: 0, lost: 0, failures: 0 });
  });

  it("to a server that answers pipelined requests concurrently and closes every 100", async () => {
    const outcome = await run("default", "concurrent-100");
    expect(outcome).toMatchObject({ executions: posts, duplicates: 0, lost: 0, failures: 0 });
  });

  it("to a server that closes idle sockets while the client's event loop is blocked", async () => {
    const outcome = await run("default", "idle", { bursts: 5, pauseMs: idleMs * 3 });
    expect(outcome).toMatchObject({ executions: posts, duplicates: 0, lost: 0, failures: 0 });
  });
});

describe("the pipelined opt-in delivers every post and reports its duplicates", { timeout: caseTimeoutMs }, () => {
  it(`to a server that answers in order and closes after ${closeAfter} responses`, async () => {
    const outcome = await run("pipelined", "in-order");
    // In order and unexecuted behind the close: what is sent again was never run.
    expect(outcome).toMatchObject({ duplicates: 0, lost: 0, failures: 0 });
  });

  it(`to a server that answers pipelined requests concurrently and closes every ${closeAfter}`, async () => {
    const outcome = await run("pipelined", "concurrent");
    expect(outcome).toMatchObject({ lost: 0, failures: 0 });
    // Requests executed behind the closing response are executed again when re-sent.
    expect(outcome.duplicates).toBeGreaterThan(0);
    expect(outcome.executions).toBe(posts + outcome.duplicates);
  });

  it("to a server that answers pipelined requests concurrently and closes every 100", async () => {
    const outcome = await run("pipelined", "concurrent-100");
    expect(outcome).toMatchObject({ lost: 0, failures: 0 });
    expect(outcome.executions).toBe(posts + outcome.duplicates);
  });

  it("to a server that closes idle sockets while the client's event loop is blocked", async () => {
    const outcome = await run("pipelined", "idle", { bursts: 5, pauseMs: idleMs * 3 });
    expect(outcome).toMatchObject({ lost: 0, failures: 0 });
    expect(outcome.executions).toBe(posts + outcome.duplicates);
  });
});
