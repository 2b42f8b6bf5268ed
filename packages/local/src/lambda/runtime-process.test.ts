import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRuntimeProcess, type HandlerEnvironment, type LambdaRuntime } from "./runtime-process";

let rootDir: string;
let runtime: LambdaRuntime | undefined;
let logged: string[];

beforeEach(() => {
  rootDir = mkdtempSync(join(tmpdir(), "runtime-process-"));
  mkdirSync(join(rootDir, "src"), { recursive: true });
  logged = [];
});
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
  rmSync(rootDir, { recursive: true, force: true });
});

const write = (path: string, source: string) => writeFileSync(join(rootDir, path), source);
const create = (options: { timeoutMs?: number } = {}, environment: HandlerEnvironment = {}) => {
  runtime = createRuntimeProcess({ rootDir, log: (line) => logged.push(line), ...options });
  runtime.start(environment);
  return runtime;
};

describe("createRuntimeProcess", () => {
  it("runs handlers in another process, with the environment the stack set", async () => {
    write(
      "src/who.ts",
      `export const handler = async (event: { n: number }) => ({ pid: process.pid, twice: event.n * 2, table: process.env.RUNTIME_TEST_TABLE });`,
    );

    const runtime = create({}, { RUNTIME_TEST_TABLE: "orders" });
    const result = (await runtime.invoke("src/who.handler", { n: 21 })) as {
      pid: number;
      twice: number;
      table: string;
    };

    expect(result).toEqual({ pid: expect.any(Number), twice: 42, table: "orders" });
    expect(result.pid).not.toBe(process.pid);
    expect(process.env.RUNTIME_TEST_TABLE).toBeUndefined();
  });

  it("fails an invocation with the handler's error name and message, and logs it as Lambda does", async () => {
    write(
      "src/fail.ts",
      `class OrderNotFound extends Error { name = "OrderNotFound"; }\nexport const handler = async () => { throw new OrderNotFound("no such order"); };`,
    );

    await expect(create().invoke("src/fail.handler", {})).rejects.toMatchObject({
      name: "OrderNotFound",
      message: "no such order",
    });
    expect(logged.join("\n")).toMatch(/ERROR\tInvoke Error \t\{"errorType":"OrderNotFound"/);
  });

  it("reports a runtime that exits, and starts a fresh one for the next invocation", async () => {
    // Module state tells one runtime (execution environment) from the next.
    write(
      "src/exit.ts",
      `const runtimeId = crypto.randomUUID();\nexport const handler = async (event: { exit: boolean }) => { if (event.exit) process.exit(3); return runtimeId; };`,
    );
    const loader = create();
    const firstRuntime = await loader.invoke("src/exit.handler", { exit: false });

    await expect(loader.invoke("src/exit.handler", { exit: true })).rejects.toThrow(
      "Runtime exited with error: exit status 3",
    );
    const secondRuntime = await loader.invoke("src/exit.handler", { exit: false });

    expect(secondRuntime).not.toBe(firstRuntime);
  });

  it("kills a runtime whose event loop is stuck past the timeout", async () => {
    write("src/spin.ts", `export const handler = async () => { for (;;) {} };`);

    const started = Date.now();
    await expect(create({ timeoutMs: 200 }).invoke("src/spin.handler", {})).rejects.toMatchObject({
      name: "HandlerTimeoutError",
    });

    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
