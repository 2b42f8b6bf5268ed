/**
 * The local stack supervises its emulators: when DynamoDB Local or cognito-local dies while the
 * stack runs, it says which, with its log tail, and starts it again on the same endpoint; no
 * process of the old one survives (a JVM whose guard was SIGKILLed included).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_CONFIG_FILE, loadLocalApp } from "../../src/app";
import { localDynamoDbClient } from "../../src/clients";
import { type LocalStack, startLocalStack } from "../../src/stack/local-stack";

const rootDir = resolve(import.meta.dirname, "../../../..");
const log: string[] = [];
const fatal: string[] = [];
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    rootDir,
    app: await loadLocalApp(join(rootDir, LOCAL_CONFIG_FILE)),
    web: false,
    seed: false,
    log: (line) => log.push(line),
    onFatal: (message) => fatal.push(message),
  });
}, 180_000);
afterAll(async () => {
  await stack?.stop();
});

/** Processes whose command line contains every one of `parts` (Linux /proc). */
function processesWith(...parts: string[]): { pid: number; ppid: number }[] {
  const found: { pid: number; ppid: number }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const command = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ");
      const environ = readFileSync(`/proc/${entry}/environ`, "utf8").split("\0").join(" ");
      if (!parts.every((part) => command.includes(part) || environ.includes(part))) continue;
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${entry}/status`, "utf8"))?.[1]);
      found.push({ pid: Number(entry), ppid });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(probe: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms; log:\n${log.join("\n")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("supervision", () => {
  it("restarts DynamoDB Local on its endpoint when its guard is SIGKILLed, and leaves no orphaned JVM", async () => {
    const port = new URL(stack.outputs.dynamoEndpoint).port;
    // The JVM, not its guard (whose command line names the jar too).
    const jvmOf = () =>
      processesWith("DynamoDBLocal.jar", "-port", ` ${port} `).filter(
        ({ pid }) => !readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("parent-guard"),
      );
    const [jvm] = jvmOf();
    expect(jvm).toBeDefined();
    const guard = jvm?.ppid as number;
    expect(readFileSync(`/proc/${guard}/cmdline`, "utf8")).toContain("parent-guard");

    process.kill(guard, "SIGKILL");
    await until(() => log.some((line) => line.includes("✓ DynamoDB Local is back")), 90_000);

    expect(alive(jvm?.pid as number)).toBe(false);
    expect(log.some((line) => line.includes("✗ DynamoDB Local was killed (SIGKILL)"))).toBe(true);
    const [replacement] = jvmOf();
    expect(replacement?.pid).not.toBe(jvm?.pid);
    const client = localDynamoDbClient(stack.outputs.dynamoEndpoint);
    await expect(client.send(new ListTablesCommand({}))).resolves.toBeDefined();
    client.destroy();
  });

  it("restarts cognito-local on its endpoint when it dies", async () => {
    const port = new URL(stack.outputs.cognitoEndpoint).port;
    const [cognito] = processesWith("cognito-local-process.cjs", `PORT=${port}`).filter(({ pid }) =>
      readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("cognito-local-process.cjs"),
    );
    expect(cognito).toBeDefined();

    process.kill(cognito?.pid as number, "SIGKILL");
    await until(() => log.some((line) => line.includes("✓ cognito-local is back")), 60_000);

    expect(log.some((line) => line.includes("✗ cognito-local was killed (SIGKILL)"))).toBe(true);
    expect((await fetch(`${stack.outputs.cognitoEndpoint}/health`)).ok).toBe(true);
    expect(fatal).toEqual([]);
  });
});
