import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HandlerBuildError, HandlerNotFoundError, HandlerTimeoutError } from "./errors";
import { createHandlerLoader, type HandlerLoader } from "./handler-loader";

let rootDir: string;
let loader: HandlerLoader | undefined;
let logged: string[];

beforeEach(() => {
  rootDir = mkdtempSync(join(tmpdir(), "handler-loader-"));
  mkdirSync(join(rootDir, "src/lib"), { recursive: true });
  logged = [];
});
afterEach(async () => {
  await loader?.close();
  loader = undefined;
  rmSync(rootDir, { recursive: true, force: true });
});

const write = (path: string, source: string) => writeFileSync(join(rootDir, path), source);
const create = (options: { watch?: boolean; timeoutMs?: number; onReload?: (files: string[]) => void } = {}) =>
  (loader = createHandlerLoader({ rootDir, log: (line) => logged.push(line), ...options }));

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

describe("load / invoke", () => {
  it("resolves an SST handler ref to the named export of a TypeScript file and bundles its imports", async () => {
    write("src/lib/greeting.ts", `export const greet = (name: string): string => "hello " + name;`);
    write(
      "src/api.ts",
      `import { greet } from "./lib/greeting";\nexport const handler = async (event: { name: string }) => greet(event.name);`,
    );

    const result = await create().invoke("src/api.handler", { name: "ada" });

    expect(result).toBe("hello ada");
  });

  it("gives the handler a Lambda context", async () => {
    write(
      "src/context.ts",
      `export const handler = async (_event: unknown, context: any) => ({
      ...context, remaining: context.getRemainingTimeInMillis(), getRemainingTimeInMillis: undefined });`,
    );

    const context = (await create({ timeoutMs: 3000 }).invoke("src/context.handler", {})) as Record<string, unknown>;

    expect(context).toMatchObject({
      awsRequestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      functionName: "src-context-handler",
      functionVersion: "$LATEST",
      invokedFunctionArn: expect.stringMatching(/^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:src-context-handler$/),
      memoryLimitInMB: "1024",
      logGroupName: "/aws/lambda/src-context-handler",
      logStreamName: expect.stringMatching(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/),
      callbackWaitsForEmptyEventLoop: true,
    });
    expect(context.remaining).toBeGreaterThan(2500);
    expect(context.remaining).toBeLessThanOrEqual(3000);
  });

  it("supports callback-style handlers", async () => {
    write(
      "src/callback.ts",
      `export const handler = (event: number, _context: unknown, callback: (e: unknown, r?: unknown) => void) => {
      setTimeout(() => callback(null, event * 2), 5);
    };`,
    );

    expect(await create().invoke("src/callback.handler", 21)).toBe(42);
  });

  it("rejects with the handler's error and logs it as Lambda's Invoke Error line", async () => {
    write("src/broken.ts", `export const handler = async () => { throw new TypeError("nope"); };`);

    await expect(create().invoke("src/broken.handler", {})).rejects.toThrow(TypeError);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/\tERROR\tInvoke Error \t\{"errorType":"TypeError","errorMessage":"nope","stack":\[/);
  });

  it("fails an invocation that runs past the timeout with Lambda's message", async () => {
    write("src/slow.ts", `export const handler = () => new Promise((resolve) => setTimeout(resolve, 1000));`);

    const attempt = create({ timeoutMs: 50 }).invoke("src/slow.handler", {});

    await expect(attempt).rejects.toThrow(HandlerTimeoutError);
    await expect(attempt).rejects.toThrow("Task timed out after 0.05 seconds");
  });

  it("names what is wrong with a bad reference", async () => {
    write("src/api.ts", `export const handler = async () => 1;`);
    const handlers = create();

    await expect(handlers.invoke("src/missing.handler", {})).rejects.toThrow(HandlerNotFoundError);
    await expect(handlers.invoke("src/api.other", {})).rejects.toThrow(/has no exported function "other"/);
    await expect(handlers.load("no-export-name")).rejects.toThrow(HandlerNotFoundError);
  });

  it("reports a syntax error as a build error", async () => {
    write("src/typo.ts", `export const handler = async () => {`);

    await expect(create().load("src/typo.handler")).rejects.toThrow(HandlerBuildError);
  });

  it("load() returns a handler that can be called with a caller-made context", async () => {
    write("src/api.ts", `export const handler = async (event: number) => event + 1;`);

    const handler = await create().load("src/api.handler");

    expect(await handler(1, {} as never)).toBe(2);
  });
});

describe("watch", () => {
  it("reloads a handler when it or a file it imports changes", async () => {
    write("src/lib/value.ts", `export const value = "one";`);
    write("src/api.ts", `import { value } from "./lib/value";\nexport const handler = async () => value;`);
    const reloads: string[][] = [];
    const handlers = create({ watch: true, onReload: (files) => reloads.push(files) });
    expect(await handlers.invoke("src/api.handler", {})).toBe("one");

    write("src/lib/value.ts", `export const value = "two";`);

    await eventually(async () => expect(await handlers.invoke("src/api.handler", {})).toBe("two"));
    expect(reloads.flat()).toContain(join(rootDir, "src/lib/value.ts"));
  });

  it("keeps serving the previous version while the source does not compile", async () => {
    write("src/api.ts", `export const handler = async () => "good";`);
    const handlers = create({ watch: true });
    await handlers.invoke("src/api.handler", {});

    write("src/api.ts", `export const handler = async () => {`);
    await eventually(async () => expect(logged.join("\n")).toMatch(/rebuild failed/));

    expect(await handlers.invoke("src/api.handler", {})).toBe("good");
  });
});
