import { unlink } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import type { Context } from "aws-lambda";
import { LOCAL_REGION } from "../config";
import { HandlerBundler } from "./bundler";
import { HandlerNotFoundError, HandlerTimeoutError } from "./errors";
import { functionNameOf, type HandlerLocation, resolveHandlerRef } from "./handler-ref";
import { callHandler, formatInvokeError } from "./invoke-handler";
import { createLambdaContext, type FunctionSettings } from "./lambda-context";
import { SourceWatcher } from "./source-watcher";

export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface HandlerLoader {
  /** Resolve an SST handler ref ("packages/functions/src/ws/connect.handler" → export `handler`
   *  of packages/functions/src/ws/connect.ts, relative to rootDir); bundles on first use. */
  load(ref: string): Promise<LambdaHandler>;
  /** load + build a Lambda context (awsRequestId, functionName, getRemainingTimeInMillis…) + call. */
  invoke(ref: string, event: unknown): Promise<unknown>;
  close(): Promise<void>;
}

export interface HandlerLoaderOptions {
  rootDir: string;
  /** Rebuild and swap a handler's module when any of its sources changes (reload on save). */
  watch?: boolean;
  onReload?: (changedFiles: string[]) => void;
  /** Function timeout; Lambda fails the invocation past it. Default 20 s (SST's default). */
  timeoutMs?: number;
  memoryLimitInMB?: number;
  region?: string;
  /** Where invocation errors and rebuild failures are reported. Default: stderr. */
  log?: (line: string) => void;
  /** Import prefixes bundled rather than left external (an app's workspaces). Default: none. */
  bundledScopes?: readonly string[];
}

// The account id Lambda ARNs carry locally; LocalStack and SAM use the same placeholder.
const localAccountId = "000000000000";
const rebuildDebounceMs = 50;

/**
 * Imports a built handler. Under Node (tsx, `npm start`) this is Node's own ESM loader, as in
 * Lambda's runtime. Under vitest, `import()` goes through vitest's module runner, which hands
 * bare imports (the AWS SDK, `sst`) to Node and runs the bundle itself — same code, same
 * externals, one module instance per build thanks to the query.
 */
const importModule = (url: string): Promise<Record<string, unknown>> => import(/* @vite-ignore */ url);

interface LoadedFile {
  readonly bundler: HandlerBundler;
  /** The current module; replaced (not mutated) on each successful rebuild. */
  module: Promise<Record<string, unknown>>;
  outputFile: string;
  inputs: Set<string>;
}

export function createHandlerLoader(options: HandlerLoaderOptions): HandlerLoader {
  const rootDir = options.rootDir;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const bundledScopes = options.bundledScopes ?? [];
  const settingsOf = (ref: string): FunctionSettings => ({
    functionName: functionNameOf(ref),
    timeoutMs: options.timeoutMs ?? 20_000,
    memoryLimitInMB: options.memoryLimitInMB ?? 1024,
    region: options.region ?? process.env.AWS_REGION ?? LOCAL_REGION,
    accountId: localAccountId,
  });
  // Stack traces of bundled handlers point at the TypeScript sources, as under `sst dev`.
  process.setSourceMapsEnabled(true);

  const files = new Map<string, Promise<LoadedFile>>();
  const loadedFiles = new Set<LoadedFile>();
  const pendingChanges = new Map<LoadedFile, Set<string>>();
  let buildCounter = 0;
  let closed = false;

  const importBundle = (outputFile: string) =>
    // The query makes every build a new module instance, even when an edit was reverted and the
    // content (so the file name) is the same as an earlier build's: Node caches modules by URL.
    importModule(`${pathToFileURL(outputFile).href}?build=${++buildCounter}`);

  const watcher = options.watch
    ? new SourceWatcher((file) => {
        for (const loaded of loadedFiles) if (loaded.inputs.has(file)) scheduleRebuild(loaded, file);
      })
    : undefined;

  const rebuild = async (loaded: LoadedFile, changed: string[]) => {
    try {
      const bundle = await loaded.bundler.build();
      loaded.module = Promise.resolve(await importBundle(bundle.outputFile));
      loaded.inputs = new Set(bundle.inputs);
      // Only a watching loader (one `npm start`) rebuilds, so nobody else can still need the
      // previous file: remove it rather than let every save leave one behind.
      if (loaded.outputFile !== bundle.outputFile) await unlink(loaded.outputFile).catch(() => undefined);
      loaded.outputFile = bundle.outputFile;
      watcher?.add(loaded.inputs);
      options.onReload?.(changed);
    } catch (error) {
      // Keep serving the previous module: a typo mid-edit must not take the API down.
      log(`[lambda] rebuild failed, keeping the previous version:\n${(error as Error).message}`);
    }
  };

  const scheduleRebuild = (loaded: LoadedFile, file: string) => {
    const pending = pendingChanges.get(loaded);
    if (pending) return void pending.add(file);
    pendingChanges.set(loaded, new Set([file]));
    // Editors write a file in several steps: one rebuild per burst of events.
    setTimeout(() => {
      const changed = [...(pendingChanges.get(loaded) ?? [])];
      pendingChanges.delete(loaded);
      if (!closed) void rebuild(loaded, changed);
    }, rebuildDebounceMs);
  };

  const loadFile = (file: string): Promise<LoadedFile> => {
    const existing = files.get(file);
    if (existing) return existing;
    const loading = (async () => {
      const bundler = new HandlerBundler(rootDir, file, bundledScopes);
      try {
        const bundle = await bundler.build();
        const entry: LoadedFile = {
          bundler,
          module: importBundle(bundle.outputFile),
          outputFile: bundle.outputFile,
          inputs: new Set(bundle.inputs),
        };
        await entry.module;
        loadedFiles.add(entry);
        watcher?.add(entry.inputs);
        return entry;
      } catch (error) {
        await bundler.dispose();
        throw error;
      }
    })();
    // A failed first build is not cached: the next call retries (the developer fixed the typo).
    loading.catch(() => files.delete(file));
    files.set(file, loading);
    return loading;
  };

  // Resolved once per reference: invocations are the hot path (every WebSocket message).
  const locations = new Map<string, HandlerLocation>();
  const locate = (ref: string): HandlerLocation => {
    let location = locations.get(ref);
    if (!location) {
      location = resolveHandlerRef(rootDir, ref);
      locations.set(ref, location);
    }
    return location;
  };

  /** The handler's current function: looked up on every call, so a rebuild takes effect at once. */
  const currentExport = async (ref: string) => {
    if (closed) throw new Error("HandlerLoader is closed");
    const { file, exportName } = locate(ref);
    const module = await (await loadFile(file)).module;
    const fn = module[exportName];
    if (typeof fn !== "function") {
      throw new HandlerNotFoundError(`Handler "${ref}": ${file} has no exported function "${exportName}"`);
    }
    return fn as (...args: unknown[]) => unknown;
  };

  const load = async (ref: string): Promise<LambdaHandler> => {
    await currentExport(ref);
    return async (event, context) => callHandler(await currentExport(ref), event, () => context);
  };

  const invoke = async (ref: string, event: unknown): Promise<unknown> => {
    const settings = settingsOf(ref);
    let requestId = "";
    let timer: NodeJS.Timeout | undefined;
    try {
      // A handler that cannot be loaded fails its invocation (and is logged) like one that throws.
      const fn = await currentExport(ref);
      const run = callHandler(fn, event, (completion) => {
        const context = createLambdaContext(settings, completion);
        requestId = context.awsRequestId;
        return context;
      });
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new HandlerTimeoutError(settings.timeoutMs)), settings.timeoutMs);
      });
      return await Promise.race([run, timeout]);
    } catch (error) {
      log(`[${settings.functionName}] ${formatInvokeError(requestId, error)}`);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    load,
    invoke,
    async close() {
      closed = true;
      watcher?.close();
      const entries = await Promise.allSettled(files.values());
      files.clear();
      await Promise.all(
        entries.map((entry) => (entry.status === "fulfilled" ? entry.value.bundler.dispose() : undefined)),
      );
    },
  };
}
