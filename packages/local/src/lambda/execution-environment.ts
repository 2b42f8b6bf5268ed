import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { EnvironmentData, EnvironmentReply, EnvironmentRequest } from "./environment-protocol";
import { HandlerTimeoutError, RuntimeExitError } from "./errors";
import type { FunctionSettings } from "./lambda-context";
import type { SerializedError } from "./runtime-protocol";

/** How one invocation in an environment ended. */
type Ending = { durationMs: number; memoryUsedMB: number } & (
  | { ok: true; result: unknown }
  | { ok: false; error: Error; ended: "error" | "timeout" | "exit" }
);

/** How one invocation in an environment ended, with what the function wrote meanwhile. */
export type EnvironmentOutcome = Ending & { lines: string[] };

export interface ExecutionEnvironmentOptions {
  /** The bundled `execution-environment-main` (plain JavaScript). */
  entryFile: string;
  bundleFile: string;
  exportName: string;
  handlerRef: string;
  settings: FunctionSettings;
  /**
   * Called once when the environment has ended: `unexpected` unless `terminate()` ended it (idle,
   * replaced, timed out, stopping); `reason` is for a person.
   */
  onExit: (environment: ExecutionEnvironment, exit: { unexpected: boolean; reason: string }) => void;
}

/** Lines kept to show when an environment dies. */
const recentLineCount = 10;

/**
 * One Lambda execution environment: a worker thread with its own module instance of the function
 * (module state is never shared with another environment), running one invocation at a time. Its
 * init runs once, at start; a timeout or an exit ends it, as Lambda resets an environment after
 * either, and the pool starts a new one when needed.
 */
export class ExecutionEnvironment {
  /** Resolves with the init duration (start of the thread to the end of the module's init code). */
  readonly ready: Promise<number>;
  /** When it last finished an invocation (or started). */
  lastUsedAt = performance.now();
  invocations = 0;
  maxMemoryUsedMB = 0;
  /** Its init has finished (a pre-initialized environment may be idle before that). */
  initialized = false;
  private readonly worker: Worker;
  private current: ((reply: EnvironmentReply) => void) | undefined;
  private currentLines: string[] = [];
  /** Output written between invocations (init code, work left running): shown with the next one. */
  private strayLines: string[] = [];
  private readonly recent: string[] = [];
  private partialLine = "";
  private exited = false;
  private terminating = false;
  private invoking = false;
  private exitError: SerializedError | undefined;
  private onExited: ((error: Error) => void) | undefined;

  constructor(
    readonly number: number,
    readonly version: number,
    private readonly options: ExecutionEnvironmentOptions,
  ) {
    const started = performance.now();
    const workerData: EnvironmentData = {
      bundleUrl: pathToFileURL(options.bundleFile).href,
      exportName: options.exportName,
      handlerRef: options.handlerRef,
      settings: options.settings,
    };
    this.worker = new Worker(options.entryFile, {
      workerData,
      // No TypeScript loader: the entry and the function are bundles. A copy of the process's
      // environment (the handlers' one), so a function changing `process.env` changes only its own.
      execArgv: [],
      // Lambda's memory setting bounds the heap: past it the environment dies, as on Lambda.
      resourceLimits: { maxOldGenerationSizeMb: options.settings.memoryLimitInMB },
      name: `${options.settings.functionName} #${number}`,
    });
    this.ready = new Promise((resolve, reject) => {
      this.current = (reply) => {
        if (reply.type === "ready") {
          this.initialized = true;
          resolve(performance.now() - started);
        } else if (reply.type === "init-error") reject(toError(reply.error));
      };
      this.onExited = reject;
    });
    // Nothing awaits `ready` of an environment that was never used; its failure is reported by exit.
    this.ready.catch(() => undefined);
    this.worker.on("message", (reply: EnvironmentReply) => {
      if (reply.type === "output") return this.output(reply.text);
      this.current?.(reply);
    });
    this.worker.on("error", (error) => {
      // An uncaught exception or rejection ends the thread; Lambda logs it before the runtime exits.
      this.exitError = { name: error.name, message: error.message, stack: error.stack };
      this.output(
        `${new Date().toISOString()}\tundefined\tERROR\tUncaught Exception \t${JSON.stringify({ errorType: error.name, errorMessage: error.message, stack: (error.stack ?? "").split("\n") })}\n`,
      );
    });
    this.worker.on("exit", (code) => {
      this.exited = true;
      this.flushPartialLine();
      const reason = this.exitError
        ? `exit status ${code}: ${this.exitError.name}: ${this.exitError.message}`
        : `exit status ${code}`;
      this.onExited?.(new RuntimeExitError(`Runtime exited with error: exit status ${code}`));
      options.onExit(this, { unexpected: !this.terminating, reason });
    });
  }

  /** False once it has ended or is ending: it takes no more invocations. */
  get alive(): boolean {
    return !this.exited && !this.terminating;
  }

  /** The last lines the function wrote, for a report of its death. */
  recentLines(): readonly string[] {
    return this.recent;
  }

  /** One invocation; the caller makes sure there is only one at a time. */
  invoke(event: unknown, requestId: string): Promise<EnvironmentOutcome> {
    this.invocations += 1;
    this.invoking = true;
    this.currentLines = this.strayLines;
    this.strayLines = [];
    const started = performance.now();
    const { timeoutMs } = this.options.settings;
    return new Promise<EnvironmentOutcome>((resolve) => {
      let settled = false;
      const finish = (outcome: Ending) => {
        if (settled) return;
        settled = true;
        this.invoking = false;
        clearTimeout(timer);
        this.current = undefined;
        this.onExited = undefined;
        this.lastUsedAt = performance.now();
        this.maxMemoryUsedMB = Math.max(this.maxMemoryUsedMB, outcome.memoryUsedMB);
        const lines = this.currentLines;
        this.currentLines = [];
        resolve({ ...outcome, lines });
      };
      const elapsed = () => performance.now() - started;
      const timer = setTimeout(() => {
        // Lambda stops the environment at the timeout; so does this, even a busy loop.
        finish({
          ok: false,
          ended: "timeout",
          error: new HandlerTimeoutError(timeoutMs),
          durationMs: elapsed(),
          memoryUsedMB: this.maxMemoryUsedMB,
        });
        void this.terminate();
      }, timeoutMs);
      this.current = (reply) => {
        if (reply.type !== "done") return;
        finish(
          reply.ok
            ? { ok: true, result: reply.result, durationMs: reply.durationMs, memoryUsedMB: reply.memoryUsedMB }
            : {
                ok: false,
                ended: "error",
                error: toError(reply.error),
                durationMs: reply.durationMs,
                memoryUsedMB: reply.memoryUsedMB,
              },
        );
      };
      this.onExited = (error) =>
        finish({ ok: false, ended: "exit", error, durationMs: elapsed(), memoryUsedMB: this.maxMemoryUsedMB });
      try {
        this.worker.postMessage({ type: "invoke", requestId, event } satisfies EnvironmentRequest);
      } catch (error) {
        // An event that cannot be cloned never reaches the function.
        finish({ ok: false, ended: "error", error: error as Error, durationMs: 0, memoryUsedMB: this.maxMemoryUsedMB });
      }
    });
  }

  /** Ends the environment (idle, replaced on reload, or the stack stopping). */
  async terminate(): Promise<void> {
    if (this.exited) return;
    this.terminating = true;
    await this.worker.terminate();
  }

  private output(text: string): void {
    const parts = (this.partialLine + text).split("\n");
    this.partialLine = parts.pop() ?? "";
    for (const line of parts) this.line(line);
  }

  private flushPartialLine(): void {
    if (this.partialLine) this.line(this.partialLine);
    this.partialLine = "";
  }

  private line(line: string): void {
    (this.invoking ? this.currentLines : this.strayLines).push(line);
    this.recent.push(line);
    if (this.recent.length > recentLineCount) this.recent.shift();
  }
}

function toError(serialized: SerializedError): Error {
  const error = new Error(serialized.message);
  error.name = serialized.name;
  error.stack = serialized.stack;
  return error;
}
