import { describe, expect, it } from "vitest";
import { PortInUseError } from "../errors";
import type { ChildExit } from "./managed-child";
import { type SupervisedProcess, Supervisor } from "./supervisor";

/** A process whose exit the test decides. */
function fakeProcess(pid: number, lines: string) {
  let exit!: (value: ChildExit) => void;
  const process: SupervisedProcess & { exit: typeof exit; stopped: boolean } = {
    pid,
    exited: new Promise<ChildExit>((resolve) => {
      exit = resolve;
    }),
    logTail: () => lines,
    stopped: false,
    async stop() {
      this.stopped = true;
      exit({ code: 0, signal: null });
    },
    exit: (value) => exit(value),
  };
  return process;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("Supervisor", () => {
  it("names a part that died, shows its last lines, and starts it again", async () => {
    const lines: string[] = [];
    const started: ReturnType<typeof fakeProcess>[] = [];
    const supervisor = new Supervisor({ log: (line) => lines.push(line), onGiveUp: () => lines.push("GAVE UP") });
    const part = await supervisor.supervise({
      name: "DynamoDB Local",
      logFile: ".local/logs/dynamodb.log",
      start: async () => {
        const process = fakeProcess(100 + started.length, "java.lang.OutOfMemoryError: Java heap space");
        started.push(process);
        return process;
      },
    });

    started[0]?.exit({ code: null, signal: "SIGKILL" });
    await settle();
    await settle();

    expect(started).toHaveLength(2);
    expect(part.current()).toBe(started[1]);
    expect(lines.join("\n")).toContain("✗ DynamoDB Local was killed (SIGKILL) (pid 100)");
    expect(lines.join("\n")).toContain("java.lang.OutOfMemoryError: Java heap space");
    expect(lines.join("\n")).toContain("(whole log: .local/logs/dynamodb.log)");
    expect(lines.some((line) => line.includes("✓ DynamoDB Local is back (pid 101)"))).toBe(true);
    await supervisor.stopAll();
    expect(started[1]?.stopped).toBe(true);
  });

  it("gives up on a part that keeps dying, saying so", async () => {
    const reasons: string[] = [];
    let starts = 0;
    const supervisor = new Supervisor({
      log: () => undefined,
      onGiveUp: (reason) => reasons.push(reason),
      maxRestarts: 2,
    });
    await supervisor.supervise({
      name: "cognito-local",
      start: async () => {
        starts += 1;
        const process = fakeProcess(starts, "EADDRINUSE");
        setTimeout(() => process.exit({ code: 1, signal: null }), 1);
        return process;
      },
    });

    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(starts).toBe(3); // the first start and 2 restarts
    expect(reasons).toEqual(["cognito-local exited 3 times within 60 s; not starting it again"]);
    await supervisor.stopAll();
  });

  it("does not restart what it stops itself", async () => {
    let starts = 0;
    const supervisor = new Supervisor({ log: () => undefined, onGiveUp: () => undefined });
    await supervisor.supervise({ name: "part", start: async () => fakeProcess(++starts, "") });
    await supervisor.stopAll();
    await settle();
    expect(starts).toBe(1);
  });
  it("waits for its port while the process before it lets go of it, and no longer than portReleaseMs", async () => {
    const lines: string[] = [];
    const reasons: string[] = [];
    const started: ReturnType<typeof fakeProcess>[] = [];
    let portHeldFor = 2; // the next two starts find the port still held
    const supervisor = new Supervisor({
      log: (line) => lines.push(line),
      onGiveUp: (reason) => reasons.push(reason),
      portReleaseMs: 2_000,
    });
    await supervisor.supervise({
      name: "DynamoDB Local",
      start: async () => {
        if (started.length > 0 && portHeldFor-- > 0) throw new PortInUseError({ port: 8000, part: "DynamoDB Local" });
        const process = fakeProcess(100 + started.length, "");
        started.push(process);
        return process;
      },
    });

    started[0]?.exit({ code: null, signal: "SIGKILL" });
    const deadline = Date.now() + 3_000;
    while (started.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(started).toHaveLength(2);
    expect(reasons).toEqual([]);
    expect(lines.some((line) => line.includes("✓ DynamoDB Local is back (pid 101)"))).toBe(true);

    // A port that stays held is a failure to say, once the wait is over.
    portHeldFor = Number.POSITIVE_INFINITY;
    const exitedAt = Date.now();
    started[1]?.exit({ code: null, signal: "SIGKILL" });
    while (reasons.length === 0 && Date.now() < exitedAt + 4_000)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(Date.now() - exitedAt).toBeGreaterThanOrEqual(2_000);
    expect(reasons).toEqual(["DynamoDB Local could not be restarted: Port 8000 (DynamoDB Local) is already in use."]);
    await supervisor.stopAll();
  });
});
