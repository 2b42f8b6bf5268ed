import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * A child process of the local stack (DynamoDB Local, cognito-local, Vite) with its output kept
 * in a ring buffer (for the log tail of a start failure) and optionally in a log file, and a
 * `stop()` that escalates SIGTERM → SIGKILL. Every live child is also killed when this Node
 * process exits for any reason, so a crash of the orchestrator or of a test run leaves no orphan.
 */
export interface ManagedChildOptions {
  name: string;
  command: string;
  args: readonly string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Append stdout/stderr here as well. */
  logFile?: string;
  /** Called with every complete output line (e.g. to scan for "Address already in use"). */
  onLine?: (line: string) => void;
  /** Lines kept for `tail()`. */
  keepLines?: number;
  /**
   * How the child learns that this process died without stopping it (SIGKILL, crash):
   * "ipc" — the child is our own Node script and exits when its IPC channel closes;
   * "guard" — run the command under parent-guard.cjs, which does that on its behalf.
   * Either way no orphan survives the orchestrator.
   */
  parentWatch?: "ipc" | "guard";
}

const PARENT_GUARD = fileURLToPath(new URL("./parent-guard.cjs", import.meta.url));

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: kill() is.
  process.on("exit", () => {
    for (const child of live) killTree(child, "SIGKILL");
  });
}

/** Children are started in their own process group so that their own children go too. */
function killTree(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    if (process.platform === "win32") child.kill(signal);
    else process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** Kill what is left in a (detached) child's process group once its leader has exited. */
function reapGroup(pid: number | undefined): void {
  if (pid === undefined || process.platform === "win32") return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // nothing left in the group
  }
}

export class ManagedChild {
  readonly name: string;
  readonly logFile: string | undefined;
  readonly exited: Promise<ChildExit>;
  private readonly child: ChildProcess;
  private readonly lines: string[] = [];
  private readonly keepLines: number;
  private readonly log: WriteStream | undefined;
  private exitInfo: ChildExit | undefined;
  private spawnError: Error | undefined;

  private constructor(options: ManagedChildOptions) {
    installExitHook();
    this.name = options.name;
    this.logFile = options.logFile;
    this.keepLines = options.keepLines ?? 40;
    if (options.logFile) {
      mkdirSync(dirname(options.logFile), { recursive: true });
      this.log = createWriteStream(options.logFile, { flags: "a" });
      this.log.on("error", () => {});
    }
    const guarded = options.parentWatch === "guard";
    const command = guarded ? process.execPath : options.command;
    const args = guarded ? [PARENT_GUARD, options.command, ...options.args] : options.args;
    const ipc = options.parentWatch !== undefined;
    this.child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ipc ? ["ignore", "pipe", "pipe", "ipc"] : ["ignore", "pipe", "pipe"],
      // Own process group: a terminal's Ctrl-C reaches only us, and we stop children in order.
      detached: process.platform !== "win32",
      windowsHide: true,
    });
    live.add(this.child);
    // The channel exists only so that it closes when we die: it must not keep us alive.
    (this.child.channel as { unref?: () => void } | undefined)?.unref?.();
    for (const stream of [this.child.stdout, this.child.stderr]) {
      let partial = "";
      stream?.setEncoding("utf8");
      stream?.on("data", (chunk: string) => {
        this.log?.write(chunk);
        const parts = (partial + chunk).split(/\r?\n/);
        partial = parts.pop() ?? "";
        for (const line of parts) this.pushLine(line, options.onLine);
      });
      stream?.on("end", () => {
        if (partial) this.pushLine(partial, options.onLine);
        partial = "";
      });
    }
    this.exited = new Promise((resolve) => {
      this.child.once("error", (error) => {
        this.spawnError = error;
        live.delete(this.child);
        this.exitInfo = { code: null, signal: null };
        resolve(this.exitInfo);
      });
      this.child.once("exit", (code, signal) => {
        live.delete(this.child);
        // Whatever the child left in its process group goes with it: the JVM under a guard that
        // was killed (SIGKILL leaves the guard no time to stop it) would otherwise run on, orphaned.
        reapGroup(this.child.pid);
        this.exitInfo = { code, signal };
        this.log?.end();
        resolve(this.exitInfo);
      });
    });
  }

  static start(options: ManagedChildOptions): ManagedChild {
    return new ManagedChild(options);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Set once the process has exited (or failed to spawn). */
  get exit(): ChildExit | undefined {
    return this.exitInfo;
  }

  /** The error of a failed spawn (ENOENT…), if any. */
  get error(): Error | undefined {
    return this.spawnError;
  }

  tail(lines = this.keepLines): string {
    return this.lines.slice(-lines).join("\n");
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.exitInfo) return;
    killTree(this.child, "SIGTERM");
    const timer = setTimeout(() => killTree(this.child, "SIGKILL"), graceMs);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  private pushLine(line: string, onLine: ((line: string) => void) | undefined): void {
    this.lines.push(line);
    if (this.lines.length > this.keepLines) this.lines.shift();
    onLine?.(line);
  }
}

/** Rejects when the child exits first; `poll` returns true when the child is ready. */
export async function waitUntilReady(o: {
  child: ManagedChild;
  poll: () => Promise<boolean>;
  timeoutMs: number;
  intervalMs?: number;
}): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  const interval = o.intervalMs ?? 100;
  while (Date.now() < deadline) {
    if (o.child.exit) throw new ChildExitedError(o.child.exit, o.child.error);
    if (await o.poll().catch(() => false)) return;
    await Promise.race([new Promise((r) => setTimeout(r, interval)), o.child.exited]);
  }
  if (o.child.exit) throw new ChildExitedError(o.child.exit, o.child.error);
  throw new ReadyTimeoutError(o.timeoutMs);
}

export class ChildExitedError extends Error {
  override name = "ChildExitedError";
  constructor(
    readonly exit: ChildExit,
    readonly spawnError?: Error,
  ) {
    super(
      spawnError
        ? `could not run it (${spawnError.message})`
        : `it exited ${exit.signal ? `on ${exit.signal}` : `with code ${exit.code}`} before it was ready`,
    );
  }
}

export class ReadyTimeoutError extends Error {
  override name = "ReadyTimeoutError";
  constructor(readonly timeoutMs: number) {
    super(`it was not ready after ${Math.round(timeoutMs / 1000)} s`);
  }
}
