import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

/**
 * The no-orphans guarantee when the orchestrator dies without stopping anything (SIGKILL,
 * crash): a parent process starts children the way the stack does, we kill it with SIGKILL,
 * and its children must go too.
 */
const rootDir = resolve(import.meta.dirname, "../../../..");
const tsx = join(rootDir, "node_modules", ".bin", "tsx");
const managedChild = join(rootDir, "packages", "local", "src", "stack", "managed-child.ts");

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(probe: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (probe()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return probe();
}

describe("ManagedChild", () => {
  let dir: string;
  const pids: number[] = [];
  afterEach(() => {
    for (const pid of pids.splice(0)) if (isAlive(pid)) process.kill(pid, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ["guard", "a command that cannot watch its parent (sleep, like the JVM)"],
    ["ipc", "our own Node script, watching its IPC channel"],
  ] as const)("%s: %s dies with a SIGKILLed parent", async (mode, _what) => {
    dir = mkdtempSync(join(tmpdir(), "managed-child-"));
    const childScript = join(dir, "child.cjs");
    writeFileSync(childScript, `process.on("disconnect", () => process.exit(0)); setInterval(() => {}, 1000);\n`);
    const parentScript = join(dir, "parent.ts");
    writeFileSync(
      parentScript,
      `import { ManagedChild } from ${JSON.stringify(managedChild)};\n` +
        (mode === "guard"
          ? `const child = ManagedChild.start({ name: "sleep", command: "sleep", args: ["60"], parentWatch: "guard" });\n`
          : `const child = ManagedChild.start({ name: "node", command: process.execPath, args: [${JSON.stringify(childScript)}], parentWatch: "ipc" });\n`) +
        `setTimeout(() => console.log("started " + child.pid), 300);\nsetInterval(() => {}, 1000);\n`,
    );
    const parent = spawn(tsx, [parentScript], { stdio: ["ignore", "pipe", "inherit"] });
    const childPid = await new Promise<number>((resolvePid) => {
      parent.stdout.on("data", (chunk: Buffer) => {
        const match = /started (\d+)/.exec(chunk.toString());
        if (match?.[1]) resolvePid(Number(match[1]));
      });
    });
    pids.push(childPid);
    // tsx runs the script in a child Node process: kill that one, the real parent, by SIGKILL.
    const realParent = await new Promise<number>((resolveParent) => {
      const ps = spawn("ps", ["-o", "ppid=", "-p", String(childPid)]);
      let out = "";
      ps.stdout.on("data", (d) => (out += d));
      ps.on("exit", () => resolveParent(Number(out.trim())));
    });
    expect(isAlive(childPid)).toBe(true);

    process.kill(realParent, "SIGKILL");

    expect(await waitFor(() => !isAlive(childPid), 10_000)).toBe(true);
    parent.kill("SIGKILL");
  });
});
