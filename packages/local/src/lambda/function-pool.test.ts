import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFunctionPools, type FunctionPoolsOptions } from "./function-pool";
import type { HandlerLoader } from "./handler-loader";
import type { InvocationReport } from "./invocation-report";

let rootDir: string;
let pools: HandlerLoader | undefined;
let logged: string[];
let reports: InvocationReport[];

beforeEach(() => {
  rootDir = mkdtempSync(join(tmpdir(), "function-pool-"));
  mkdirSync(join(rootDir, "src"), { recursive: true });
  logged = [];
  reports = [];
});
afterEach(async () => {
  await pools?.close();
  pools = undefined;
  rmSync(rootDir, { recursive: true, force: true });
});

const write = (path: string, source: string) => writeFileSync(join(rootDir, path), source);
const create = (options: Partial<FunctionPoolsOptions> = {}) =>
  (pools = createFunctionPools({
    rootDir,
    log: (line) => logged.push(line),
    onReport: (report) => reports.push(report),
    ...options,
  }));

/** Polls until `check` passes (file watching is asynchronous). */
async function eventually(check: () => Promise<void>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Counts its invocations in module state and holds each for `holdMs`. */
const counter = `
const environmentId = crypto.randomUUID();
let invocations = 0;
export const handler = async (event: { holdMs?: number }, context: { awsRequestId: string }) => {
  invocations += 1;
  const seen = invocations;
  console.log(JSON.stringify({ message: "counted", seen, requestId: context.awsRequestId }));
  await new Promise((resolve) => setTimeout(resolve, event.holdMs ?? 0));
  return { environmentId, seen, requestId: context.awsRequestId };
};`;

interface Counted {
  environmentId: string;
  seen: number;
  requestId: string;
}

describe("execution environments", () => {
  it("runs two concurrent invocations of one function in two environments that share no module state", async () => {
    write("src/counter.ts", counter);
    const functions = create();

    const [first, second] = (await Promise.all([
      functions.invoke("src/counter.handler", { holdMs: 200 }),
      functions.invoke("src/counter.handler", { holdMs: 200 }),
    ])) as Counted[];

    expect(first?.environmentId).not.toBe(second?.environmentId);
    expect([first?.seen, second?.seen]).toEqual([1, 1]);
    expect(reports.map((report) => report.environment).sort()).toEqual([1, 2]);
  });

  it("reuses a warm environment for the next invocation: module state kept, no init", async () => {
    write("src/counter.ts", counter);
    const functions = create();

    const cold = (await functions.invoke("src/counter.handler", {})) as Counted;
    const warm = (await functions.invoke("src/counter.handler", {})) as Counted;

    expect(warm.environmentId).toBe(cold.environmentId);
    expect(warm.seen).toBe(2);
    expect(reports[0]?.initDurationMs).toBeGreaterThan(0);
    expect(reports[1]?.initDurationMs).toBeUndefined();
  });

  it("reports each invocation with its request id, durations, memory and its own log lines", async () => {
    write("src/counter.ts", counter);
    const functions = create({ memoryLimitInMB: 256 });

    const results = (await Promise.all([
      functions.invoke("src/counter.handler", { holdMs: 50 }),
      functions.invoke("src/counter.handler", { holdMs: 10 }),
    ])) as Counted[];

    expect(reports).toHaveLength(2);
    for (const result of results) {
      const report = reports.find((candidate) => candidate.requestId === result.requestId);
      expect(report).toMatchObject({
        functionName: "src-counter-handler",
        handler: "src/counter.handler",
        trigger: "invoke",
        memorySizeMB: 256,
        status: { kind: "ok" },
      });
      expect(report?.billedDurationMs).toBe(Math.max(1, Math.ceil(report?.durationMs ?? 0)));
      expect(report?.maxMemoryUsedMB).toBeGreaterThan(0);
      // Each report holds its own invocation's line and no other.
      expect(report?.logs).toEqual([JSON.stringify({ message: "counted", seen: 1, requestId: result.requestId })]);
    }
  });

  it("names the trigger and the outcome from the event and the result", async () => {
    write("src/api.ts", `export const handler = async () => ({ statusCode: 201, body: "{}" });`);
    const functions = create();

    await functions.invoke("src/api.handler", { requestContext: { routeKey: "POST /orders" } });

    expect(reports[0]).toMatchObject({ trigger: "POST /orders", status: { kind: "ok", detail: "201" } });
  });

  it("ends environments idle past the idle timeout: the next invocation is a cold start", async () => {
    write("src/counter.ts", counter);
    const functions = create({ idleTimeoutMs: 100 });
    const first = (await functions.invoke("src/counter.handler", {})) as Counted;

    await new Promise((resolve) => setTimeout(resolve, 400));
    const second = (await functions.invoke("src/counter.handler", {})) as Counted;

    expect(second.environmentId).not.toBe(first.environmentId);
    expect(reports[1]?.initDurationMs).toBeGreaterThan(0);
  });
});

describe("prewarm", () => {
  it("initializes an environment ahead, so the first invocation finds it warm, without Init Duration", async () => {
    write("src/counter.ts", counter);
    const functions = create({ prewarm: ["src/counter.handler"] });

    await new Promise((resolve) => setTimeout(resolve, 1000));
    const first = (await functions.invoke("src/counter.handler", {})) as Counted;

    expect(first.seen).toBe(1);
    expect(reports[0]).toMatchObject({ environment: 1, status: { kind: "ok" } });
    expect(reports[0]?.initDurationMs).toBeUndefined();
  });
});

describe("concurrency limits", () => {
  it("throttles past the reserved concurrency with Lambda's TooManyRequestsException", async () => {
    write("src/counter.ts", counter);
    const functions = create({ reservedConcurrency: { "src/counter.handler": 1 } });

    const [held, throttled] = await Promise.allSettled([
      functions.invoke("src/counter.handler", { holdMs: 300 }),
      new Promise((resolve) => setTimeout(resolve, 50)).then(() => functions.invoke("src/counter.handler", {})),
    ]);

    expect(held.status).toBe("fulfilled");
    expect(throttled).toMatchObject({
      status: "rejected",
      reason: { name: "TooManyRequestsException", message: "Rate Exceeded." },
    });
    expect(logged.join("\n")).toMatch(/THROTTLED src-counter-handler \(invoke\): TooManyRequestsException/);
    // The throttled invocation never ran: one report. Once the environment is free, it serves again.
    expect(reports).toHaveLength(1);
    expect(((await functions.invoke("src/counter.handler", {})) as Counted).seen).toBe(2);
  });

  it("queues rather than throttles at the local bound of an unreserved function", async () => {
    write("src/counter.ts", counter);
    const functions = create({ maxEnvironments: 1 });

    const results = (await Promise.all([
      functions.invoke("src/counter.handler", { holdMs: 100 }),
      functions.invoke("src/counter.handler", { holdMs: 100 }),
    ])) as Counted[];

    expect(results.map((result) => result.seen).sort()).toEqual([1, 2]);
    expect(new Set(results.map((result) => result.environmentId)).size).toBe(1);
  });
});

describe("environments that end", () => {
  it("fails the invocation of an environment that exits, names the function and its last lines, and replaces it", async () => {
    write(
      "src/exit.ts",
      `export const handler = async (event: { exit: boolean }) => { console.log("about to exit"); if (event.exit) process.exit(3); return "alive"; };`,
    );
    const functions = create();

    await expect(functions.invoke("src/exit.handler", { exit: true })).rejects.toMatchObject({
      name: "Runtime.ExitError",
      message: "Runtime exited with error: exit status 3",
    });
    await eventually(async () =>
      expect(logged.join("\n")).toMatch(
        /src-exit-handler: execution environment #1 exited \(exit status 3\)[\s\S]*about to exit/,
      ),
    );
    expect(reports[0]).toMatchObject({
      status: { kind: "exit", errorType: "Runtime.ExitError" },
      logs: ["about to exit"],
    });

    expect(await functions.invoke("src/exit.handler", { exit: false })).toBe("alive");
    expect(reports[1]?.environment).toBe(2);
  });

  it("ends an environment stuck past the timeout and serves the next invocation from a new one", async () => {
    write(
      "src/spin.ts",
      `export const handler = async (event: { spin: boolean }) => { while (event.spin) {} return "done"; };`,
    );
    const functions = create({ timeoutMs: 300 });

    await expect(functions.invoke("src/spin.handler", { spin: true })).rejects.toThrow(
      "Task timed out after 0.30 seconds",
    );
    expect(reports[0]?.status).toEqual({ kind: "timeout" });

    expect(await functions.invoke("src/spin.handler", { spin: false })).toBe("done");
    expect(reports[1]?.environment).toBe(2);
  });

  it("reports a handler error with its name, and Lambda's Invoke Error line among the function's lines", async () => {
    write(
      "src/fail.ts",
      `class OrderNotFound extends Error { name = "OrderNotFound"; }\nexport const handler = async () => { throw new OrderNotFound("no such order"); };`,
    );
    const functions = create();

    await expect(functions.invoke("src/fail.handler", {})).rejects.toMatchObject({ name: "OrderNotFound" });

    expect(reports[0]?.status).toEqual({ kind: "error", errorType: "OrderNotFound" });
    expect(reports[0]?.logs.join("\n")).toMatch(/\tERROR\tInvoke Error \t\{"errorType":"OrderNotFound"/);
  });
});

describe("reload on save", () => {
  it("lets an invocation in flight finish on the old code and serves the next one from the new", async () => {
    write(
      "src/version.ts",
      `export const handler = async (event: { holdMs: number }) => { await new Promise((r) => setTimeout(r, event.holdMs)); return "one"; };`,
    );
    const reloads: string[][] = [];
    const functions = create({ watch: true, onReload: (files) => reloads.push(files) });
    await functions.invoke("src/version.handler", { holdMs: 0 });

    const inFlight = functions.invoke("src/version.handler", { holdMs: 1500 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    write("src/version.ts", `export const handler = async () => "two";`);
    await eventually(async () => expect(reloads).toHaveLength(1));

    expect(await functions.invoke("src/version.handler", { holdMs: 0 })).toBe("two");
    expect(await inFlight).toBe("one");
  });
});
