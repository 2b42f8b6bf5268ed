import { createHash, randomUUID } from "node:crypto";
import { mkdir, rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { LOCAL_REGION } from "../config";
import { type Bundle, HandlerBundler } from "./bundler";
import { HandlerNotFoundError, TooManyRequestsException } from "./errors";
import { type EnvironmentOutcome, ExecutionEnvironment } from "./execution-environment";
import type { HandlerLoader, HandlerLoaderOptions, LambdaHandler } from "./handler-loader";
import { functionNameOf, type HandlerLocation, resolveHandlerRef } from "./handler-ref";
import { type InvocationReport, type InvocationStatus, outcomeOf, triggerOf } from "./invocation-report";
import type { FunctionSettings } from "./lambda-context";
import { SourceWatcher } from "./source-watcher";

/** How many execution environments a function may have, and how long an idle one is kept. */
export interface ConcurrencySettings {
  /**
   * Reserved concurrency per handler reference: past it, an invocation is throttled
   * (`TooManyRequestsException`), as Lambda throttles a function at its reserved concurrency.
   */
  reservedConcurrency?: Readonly<Record<string, number>>;
  /**
   * Environments per function at most, reserved or not (a laptop is not a region): past it an
   * invocation waits for a free environment instead of being throttled. Default 4.
   */
  maxEnvironments?: number;
  /** An environment idle this long is ended (Lambda recycles idle environments too). Default 5 minutes. */
  idleTimeoutMs?: number;
  /**
   * Functions to give one environment each right away, in the background. Lambda documents this
   * ("proactive initialization" of on-demand functions): the init runs before any invocation, so
   * the first one does not wait for it.
   */
  prewarm?: readonly string[];
}

export type FunctionPoolsOptions = Omit<HandlerLoaderOptions, "log"> &
  ConcurrencySettings & {
    log?: (line: string) => void;
    /** One report per invocation (Lambda's `REPORT`, with the function's own lines). Default: none. */
    onReport?: (report: InvocationReport) => void;
  };

// Four: more environments did not serve a burst of connections faster here, and each one costs its
// own heap (docs/benchmarks.md, "Execution environments").
export const defaultMaxEnvironments = 4;
export const defaultIdleTimeoutMs = 5 * 60_000;
// The account id Lambda ARNs carry locally; LocalStack and SAM use the same placeholder.
const localAccountId = "000000000000";
const rebuildDebounceMs = 50;

/** One handler file's bundle; every function (export) of the file runs its current build. */
interface BundledFile {
  readonly bundler: HandlerBundler;
  bundle: Bundle;
  /** Increments with each successful rebuild: environments of an older version are replaced. */
  version: number;
  readonly pools: Set<FunctionPool>;
}

/** One function: its environments and the invocations waiting for one. */
interface FunctionPool {
  readonly ref: string;
  readonly location: HandlerLocation;
  readonly settings: FunctionSettings;
  readonly file: BundledFile;
  /** Environments alive, busy or idle. */
  readonly environments: Set<ExecutionEnvironment>;
  readonly idle: ExecutionEnvironment[];
  readonly waiting: ((environment: ExecutionEnvironment) => void)[];
  readonly reserved: number | undefined;
  nextNumber: number;
}

/**
 * The functions of an app as Lambda runs them: a pool of execution environments per function, one
 * invocation at a time in each, a new environment (a cold start, with its init duration reported)
 * when every one is busy, throttling at the reserved concurrency, idle environments reused (the
 * most recently used first) and ended after `idleTimeoutMs`. Reload on save bundles the sources
 * again; environments of the previous build finish what they are running and are replaced.
 */
export function createFunctionPools(options: FunctionPoolsOptions): HandlerLoader {
  const { rootDir } = options;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  // What to bundle rather than import at run time is the app's to say (`LocalApp.bundledScopes`).
  const bundledScopes = options.bundledScopes ?? [];
  const maxEnvironments = Math.max(1, options.maxEnvironments ?? defaultMaxEnvironments);
  const idleTimeoutMs = options.idleTimeoutMs ?? defaultIdleTimeoutMs;
  const entryFile = buildEnvironmentEntry(rootDir);
  entryFile.catch(() => undefined);

  const files = new Map<string, Promise<BundledFile>>();
  const pools = new Map<string, Promise<FunctionPool>>();
  const pendingChanges = new Map<BundledFile, Set<string>>();
  let closed = false;

  const watcher = options.watch
    ? new SourceWatcher((changed) => {
        for (const loading of files.values())
          void loading.then((file) => file.bundle.inputs.includes(changed) && scheduleRebuild(file, changed), noop);
      })
    : undefined;

  const rebuild = async (file: BundledFile, changed: string[]) => {
    try {
      const previous = file.bundle;
      file.bundle = await file.bundler.build();
      file.version += 1;
      watcher?.add(file.bundle.inputs);
      for (const pool of file.pools) retireIdle(pool);
      // Environments still running the previous build keep their file until they end.
      if (previous.outputFile !== file.bundle.outputFile)
        setTimeout(() => void unlinkQuietly(previous.outputFile), options.timeoutMs ?? 20_000).unref();
      options.onReload?.(changed);
    } catch (error) {
      // Keep serving the previous build: a typo mid-edit must not take the API down.
      log(`[lambda] rebuild failed, keeping the previous version:\n${(error as Error).message}`);
    }
  };

  const scheduleRebuild = (file: BundledFile, changed: string) => {
    const pending = pendingChanges.get(file);
    if (pending) return void pending.add(changed);
    pendingChanges.set(file, new Set([changed]));
    // Editors write a file in several steps: one rebuild per burst of events.
    setTimeout(() => {
      const batch = [...(pendingChanges.get(file) ?? [])];
      pendingChanges.delete(file);
      if (!closed) void rebuild(file, batch);
    }, rebuildDebounceMs);
  };

  const bundledFile = (path: string): Promise<BundledFile> => {
    const existing = files.get(path);
    if (existing) return existing;
    const loading = (async () => {
      const bundler = new HandlerBundler(rootDir, path, bundledScopes);
      try {
        const file: BundledFile = { bundler, bundle: await bundler.build(), version: 1, pools: new Set() };
        watcher?.add(file.bundle.inputs);
        return file;
      } catch (error) {
        await bundler.dispose();
        throw error;
      }
    })();
    // A failed first build is not kept: the next call retries (the developer fixed the typo).
    loading.catch(() => files.delete(path));
    files.set(path, loading);
    return loading;
  };

  const poolOf = (ref: string): Promise<FunctionPool> => {
    const existing = pools.get(ref);
    if (existing) return existing;
    const loading = (async () => {
      const location = resolveHandlerRef(rootDir, ref);
      const file = await bundledFile(location.file);
      const pool: FunctionPool = {
        ref,
        location,
        settings: {
          functionName: functionNameOf(ref),
          timeoutMs: options.timeoutMs ?? 20_000,
          memoryLimitInMB: options.memoryLimitInMB ?? 1024,
          region: options.region ?? process.env.AWS_REGION ?? LOCAL_REGION,
          accountId: localAccountId,
        },
        file,
        environments: new Set(),
        idle: [],
        waiting: [],
        reserved: options.reservedConcurrency?.[ref],
        nextNumber: 1,
      };
      file.pools.add(pool);
      return pool;
    })();
    loading.catch(() => pools.delete(ref));
    pools.set(ref, loading);
    return loading;
  };

  /** The pool, once its handler reference names an export of the current build. */
  const checkedPool = async (ref: string): Promise<FunctionPool> => {
    if (closed) throw new Error("HandlerLoader is closed");
    const pool = await poolOf(ref);
    if (!pool.file.bundle.exports.includes(pool.location.exportName)) {
      throw new HandlerNotFoundError(
        `Handler "${ref}": ${pool.location.file} has no exported function "${pool.location.exportName}"`,
      );
    }
    return pool;
  };

  /** Synchronous, so that the pool's count is right the moment a caller decides to start one. */
  const startEnvironment = (pool: FunctionPool, entry: string): ExecutionEnvironment => {
    const environment = new ExecutionEnvironment(pool.nextNumber++, pool.file.version, {
      entryFile: entry,
      bundleFile: pool.file.bundle.outputFile,
      exportName: pool.location.exportName,
      handlerRef: pool.ref,
      settings: pool.settings,
      onExit: (ended, exit) => {
        pool.environments.delete(ended);
        removeFrom(pool.idle, ended);
        if (exit.unexpected && !closed) reportDeath(pool, ended, exit.reason);
        // Someone waiting for an environment gets a new one in its place.
        const waiter = pool.waiting.shift();
        if (waiter && !closed) waiter(startEnvironment(pool, entry));
      },
    });
    pool.environments.add(environment);
    return environment;
  };

  const reportDeath = (pool: FunctionPool, environment: ExecutionEnvironment, reason: string) => {
    const lines = environment.recentLines();
    log(
      `[lambda] ${pool.settings.functionName}: execution environment #${environment.number} exited (${reason}); ` +
        `the next invocation starts a new one.${lines.length ? ` Its last lines:\n${lines.map((line) => `    ${line}`).join("\n")}` : ""}`,
    );
  };

  /** An environment for one invocation: a warm one, a new one, or (at the local bound) the next one free. */
  const acquire = async (pool: FunctionPool): Promise<ExecutionEnvironment> => {
    const entry = await entryFile;
    const warm = pool.idle.pop();
    if (warm) return warm;
    const limit = Math.min(pool.reserved ?? Number.POSITIVE_INFINITY, maxEnvironments);
    if (pool.environments.size < limit) return startEnvironment(pool, entry);
    if (pool.reserved !== undefined && pool.reserved <= maxEnvironments) throw new TooManyRequestsException();
    return new Promise((resolve) => pool.waiting.push(resolve));
  };

  const release = (pool: FunctionPool, environment: ExecutionEnvironment) => {
    if (!environment.alive) return;
    if (closed || environment.version !== pool.file.version) {
      void environment.terminate();
      return;
    }
    const waiter = pool.waiting.shift();
    if (waiter) return waiter(environment);
    pool.idle.push(environment);
  };

  const retireIdle = (pool: FunctionPool) => {
    for (const environment of pool.idle.splice(0)) void environment.terminate();
  };

  const reaper = setInterval(
    () => {
      const now = performance.now();
      for (const loading of pools.values()) {
        void loading.then((pool) => {
          for (const environment of [...pool.idle]) {
            if (now - environment.lastUsedAt < idleTimeoutMs) continue;
            removeFrom(pool.idle, environment);
            void environment.terminate();
          }
        }, noop);
      }
    },
    Math.max(10, Math.min(idleTimeoutMs / 2, 30_000)),
  );
  reaper.unref();

  const invoke = async (ref: string, event: unknown): Promise<unknown> => {
    const pool = await checkedPool(ref);
    const trigger = triggerOf(event);
    let environment: ExecutionEnvironment;
    try {
      environment = await acquire(pool);
    } catch (error) {
      log(
        `[lambda] THROTTLED ${pool.settings.functionName} (${trigger}): ${(error as Error).name}: ${(error as Error).message} ` +
          `(reserved concurrency ${pool.reserved})`,
      );
      throw error;
    }
    const requestId = randomUUID();
    const startedAt = Date.now();
    let initDurationMs: number | undefined;
    let outcome: EnvironmentOutcome;
    try {
      // A cold start: this invocation waits for the init, and its REPORT says how long it took. An
      // environment initialized ahead (prewarm) has no Init Duration, as on Lambda.
      const waitsForInit = !environment.initialized;
      const initDuration = await environment.ready;
      if (waitsForInit) initDurationMs = initDuration;
      outcome = await environment.invoke(event, requestId);
    } catch (initError) {
      // The module failed to load (or the environment died during its init): the invocation fails with it.
      void environment.terminate();
      outcome = { ok: false, ended: "error", error: initError as Error, durationMs: 0, memoryUsedMB: 0, lines: [] };
    }
    release(pool, environment);
    options.onReport?.({
      functionName: pool.settings.functionName,
      handler: ref,
      trigger,
      requestId,
      environment: environment.number,
      durationMs: outcome.durationMs,
      billedDurationMs: Math.max(1, Math.ceil(outcome.durationMs)),
      memorySizeMB: pool.settings.memoryLimitInMB,
      maxMemoryUsedMB: Math.max(environment.maxMemoryUsedMB, outcome.memoryUsedMB),
      initDurationMs,
      status: statusOf(outcome),
      logs: outcome.lines,
      startedAt,
    });
    if (outcome.ok) return outcome.result;
    throw outcome.error;
  };

  for (const ref of options.prewarm ?? []) {
    void (async () => {
      const pool = await checkedPool(ref);
      const entry = await entryFile;
      if (closed || pool.environments.size > 0) return;
      const environment = startEnvironment(pool, entry);
      pool.idle.push(environment);
      await environment.ready;
    })().catch(() => undefined); // an invocation reports what is wrong with the function
  }

  return {
    async load(ref: string): Promise<LambdaHandler> {
      await checkedPool(ref);
      return (event) => invoke(ref, event);
    },
    invoke,
    async close() {
      closed = true;
      clearInterval(reaper);
      watcher?.close();
      const started = await Promise.allSettled(pools.values());
      pools.clear();
      await Promise.all(
        started.flatMap((entry) =>
          entry.status === "fulfilled"
            ? [...entry.value.environments].map((environment) => environment.terminate())
            : [],
        ),
      );
      const bundled = await Promise.allSettled(files.values());
      files.clear();
      await Promise.all(
        bundled.map((entry) => (entry.status === "fulfilled" ? entry.value.bundler.dispose() : undefined)),
      );
    },
  };
}

function statusOf(outcome: EnvironmentOutcome): InvocationStatus {
  if (outcome.ok) return { kind: "ok", detail: outcomeOf(outcome.result) };
  if (outcome.ended === "timeout") return { kind: "timeout" };
  if (outcome.ended === "exit") return { kind: "exit", errorType: outcome.error.name, message: outcome.error.message };
  return { kind: "error", errorType: outcome.error.name };
}

/**
 * The environment's entry, bundled once into plain JavaScript under `.local/build/`: a worker
 * thread then starts in tens of milliseconds, with no TypeScript loader of its own.
 */
async function buildEnvironmentEntry(rootDir: string): Promise<string> {
  const entry = fileURLToPath(new URL("./execution-environment-main.ts", import.meta.url));
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    write: false,
    logLevel: "silent",
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error("esbuild produced no execution environment entry");
  const hash = createHash("sha256").update(output.contents).digest("hex").slice(0, 16);
  const dir = join(rootDir, ".local", "build", ".lambda-runtime");
  const file = join(dir, `execution-environment.${hash}.mjs`);
  await mkdir(dir, { recursive: true });
  // Write then rename: another stack building the same entry never sees half a file.
  const temporary = `${file}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(temporary, output.contents);
  await rename(temporary, file);
  return file;
}

const noop = () => undefined;

function removeFrom<T>(list: T[], item: T): void {
  const index = list.indexOf(item);
  if (index >= 0) list.splice(index, 1);
}

const unlinkQuietly = (file: string) => unlink(file).catch(noop);
