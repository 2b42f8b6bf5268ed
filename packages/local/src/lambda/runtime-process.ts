import { type ChildProcess, fork } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { LambdaRuntimeError } from "./errors";
import type { FunctionPoolsOptions } from "./function-pool";
import type { HandlerLoader, LambdaHandler } from "./handler-loader";
import { formatForTerminal, type InvocationReport } from "./invocation-report";
import type { RuntimeReply, RuntimeRequest, SerializedError } from "./runtime-protocol";

export type RuntimeProcessOptions = Omit<FunctionPoolsOptions, "log" | "onReload" | "onReport"> & {
  log?: (line: string) => void;
  onReload?: (changedFiles: string[]) => void;
  /** One report per invocation. Default: failed invocations' reports (with their lines) go to `log`. */
  onReport?: (report: InvocationReport) => void;
  /** Open the Node inspector of the runtime (where handler code runs) on 127.0.0.1:port. */
  inspectPort?: number;
};

/** The handlers' environment variables (SST links, settings), as a function's configuration sets them. */
export type HandlerEnvironment = Readonly<Record<string, string>>;

/** The handlers' process: invoked as a loader once `start` has given it their environment. */
export interface LambdaRuntime extends HandlerLoader {
  /**
   * Start the runtime with the handlers' environment (over this process's own: PATH, NODE_OPTIONS…);
   * a runtime that dies is started again with it. Invocations before `start` fail: the
   * environment (the API's own endpoint among it) exists only once the stack's parts are up.
   */
  start(environment: HandlerEnvironment): void;
}

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/**
 * The handlers in their own Node.js process, as Lambda runs them apart from API Gateway and the
 * stream poller: the gateway's event loop never runs handler code, and a fan-out's signing and
 * posting run on the second core while the gateway receives the posts. Inside, the process holds
 * the functions' execution environments (`createFunctionPools`: bundling, reload on save, one
 * worker thread per environment, timeouts, reports); this side only carries invocations over IPC.
 *
 * An environment that dies (its function called `process.exit`, crashed, or hung past its
 * timeout) fails its invocation and is replaced inside the process. Should the process itself
 * die, it fails the invocations it held, as Lambda reports `Runtime exited`, and the next
 * invocation starts a fresh one, with the same environment variables.
 */
export function createRuntimeProcess(options: RuntimeProcessOptions): LambdaRuntime {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const onReport =
    options.onReport ??
    ((report: InvocationReport) => {
      if (report.status.kind !== "ok") for (const line of formatForTerminal(report)) log(line);
    });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let environment: HandlerEnvironment | undefined;
  let child: ChildProcess | undefined;
  let nextId = 1;
  let closed = false;

  const spawnRuntime = (env: HandlerEnvironment): ChildProcess => {
    const entry = fileURLToPath(new URL("./runtime-process-main.ts", import.meta.url));
    const runtime = fork(entry, [], {
      cwd: options.rootDir,
      env: { ...process.env, ...env },
      // tsx runs the entry (TypeScript); it is resolved from here, not from the handlers' root.
      execArgv: [
        "--import",
        tsxLoader,
        ...(options.inspectPort === undefined ? [] : [`--inspect=127.0.0.1:${options.inspectPort}`]),
      ],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      serialization: "advanced",
      // Its own process group, so that killing it takes its esbuild service along.
      detached: true,
    });
    // It exits when the IPC channel closes; this covers a parent exiting while it is stuck.
    const killOnExit = () => killGroup(runtime);
    process.once("exit", killOnExit);
    const { log: _log, onReload: _onReload, onReport: _onReport, inspectPort: _inspectPort, ...settings } = options;
    runtime.send({ type: "init", options: settings } satisfies RuntimeRequest);
    runtime.on("message", (reply: RuntimeReply) => {
      if (reply.type === "log") return log(reply.line);
      if (reply.type === "report") return onReport(reply.report);
      if (reply.type === "reload") return options.onReload?.(reply.files);
      const waiter = pending.get(reply.id);
      if (!waiter) return;
      pending.delete(reply.id);
      if (reply.type === "result") waiter.resolve(reply.result);
      else waiter.reject(toError(reply.error));
    });
    // A failed spawn or a message to a runtime that is going: its exit reports the rest.
    runtime.on("error", (error) => log(`[lambda] runtime process: ${error.message}`));
    runtime.on("exit", (code, signal) => {
      process.off("exit", killOnExit);
      if (child === runtime) child = undefined;
      const error = new LambdaRuntimeError(
        `Runtime exited with error: ${signal ? `signal: ${signal}` : `exit status ${code}`}`,
      );
      for (const [id, waiter] of pending) {
        pending.delete(id);
        waiter.reject(error);
      }
      if (!closed) log(`[lambda] ${error.message}; the next invocation starts a new runtime`);
    });
    return runtime;
  };

  const call = (
    request: { type: "load"; ref: string } | { type: "invoke"; ref: string; event: unknown },
  ): Promise<unknown> => {
    if (closed) return Promise.reject(new Error("HandlerLoader is closed"));
    if (environment === undefined)
      return Promise.reject(new LambdaRuntimeError("the Lambda runtime has not been started"));
    child ??= spawnRuntime(environment);
    const runtime = child;
    const id = nextId++;
    // No watchdog here: handler code never runs on the process's own event loop (each environment
    // is a worker thread, ended by the process at its timeout), so the process always answers.
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      try {
        runtime.send({ ...request, id } as RuntimeRequest);
      } catch (error) {
        // The runtime died and its exit has not been reported yet: this invocation fails as its others will.
        pending.delete(id);
        reject(new LambdaRuntimeError(`Runtime exited with error: ${(error as Error).message}`));
      }
    });
  };

  return {
    start(env) {
      if (closed || environment !== undefined) throw new LambdaRuntimeError("the Lambda runtime was started already");
      environment = env;
      // Now rather than on the first invocation, so that a debugger can attach before it.
      child = spawnRuntime(env);
    },
    async load(ref: string): Promise<LambdaHandler> {
      await call({ type: "load", ref });
      return (event) => call({ type: "invoke", ref, event });
    },
    invoke: (ref, event) => call({ type: "invoke", ref, event }),
    async close() {
      closed = true;
      const runtime = child;
      child = undefined;
      if (!runtime || runtime.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => runtime.once("exit", () => resolve()));
      try {
        runtime.send({ type: "close" } satisfies RuntimeRequest);
      } catch {
        killGroup(runtime); // its channel is gone already
      }
      const timer = setTimeout(() => killGroup(runtime), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** SIGTERM to the runtime and its children: its default action ends even a busy loop. */
function killGroup(runtime: ChildProcess): void {
  if (runtime.pid === undefined || runtime.exitCode !== null || runtime.signalCode !== null) return;
  try {
    process.kill(-runtime.pid, "SIGTERM");
  } catch {
    // Already gone.
  }
}

function toError(serialized: SerializedError): Error {
  const error = new Error(serialized.message);
  error.name = serialized.name;
  error.stack = serialized.stack;
  return error;
}
