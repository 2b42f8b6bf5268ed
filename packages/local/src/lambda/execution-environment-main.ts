/**
 * Inside one execution environment (a worker thread): the function's module, loaded once (its
 * init), then one invocation at a time, as the runtime host sends them. Bundled by the host into
 * plain JavaScript, so a new environment starts without a TypeScript loader.
 */
import { getHeapStatistics } from "node:v8";
import { parentPort, workerData } from "node:worker_threads";
import type { EnvironmentData, EnvironmentReply, EnvironmentRequest } from "./environment-protocol";
import { serializeError } from "./environment-protocol";
import { HandlerNotFoundError } from "./errors";
import { callHandler, formatInvokeError } from "./invoke-handler";
import { createLambdaContext } from "./lambda-context";

const port = parentPort;
if (!port) throw new Error("execution-environment-main runs as a worker thread");
const data = workerData as EnvironmentData;
const reply = (message: EnvironmentReply) => port.postMessage(message);

// The function's output goes over the same channel as its results, so the host can put every line
// under the invocation that wrote it (Lambda's log stream does the same per environment).
for (const stream of [process.stdout, process.stderr]) {
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    reply({ type: "output", text: typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8") });
    const callback = rest.find((arg): arg is () => void => typeof arg === "function");
    callback?.();
    return true;
  }) as typeof stream.write;
}

const memoryUsedMB = () => {
  const heap = getHeapStatistics();
  return Math.ceil((heap.total_heap_size + heap.external_memory) / (1024 * 1024));
};

// Stack traces of bundled handlers point at the TypeScript sources, as under `sst dev`.
process.setSourceMapsEnabled(true);

let handler: ((...args: unknown[]) => unknown) | undefined;
try {
  const module = (await import(data.bundleUrl)) as Record<string, unknown>;
  const exported = module[data.exportName];
  if (typeof exported !== "function")
    throw new HandlerNotFoundError(`Handler "${data.handlerRef}": no exported function "${data.exportName}"`);
  handler = exported as (...args: unknown[]) => unknown;
  reply({ type: "ready" });
} catch (error) {
  reply({ type: "init-error", error: serializeError(error) });
}

port.on("message", (request: EnvironmentRequest) => {
  const fn = handler;
  if (request.type !== "invoke" || !fn) return;
  const started = performance.now();
  callHandler(fn, request.event, (completion) =>
    createLambdaContext(data.settings, completion, new Date(), request.requestId),
  ).then(
    (result) => {
      const durationMs = performance.now() - started;
      try {
        reply({ type: "done", ok: true, result, durationMs, memoryUsedMB: memoryUsedMB() });
      } catch (error) {
        // A result that cannot be serialized fails the invocation, as Lambda's runtime fails one it cannot encode.
        failed(request.requestId, error, durationMs);
      }
    },
    (error: unknown) => failed(request.requestId, error, performance.now() - started),
  );
});

function failed(requestId: string, error: unknown, durationMs: number): void {
  // Lambda's runtime writes this line to the function's log stream; it is the function's output.
  process.stderr.write(`${formatInvokeError(requestId, error)}\n`);
  reply({ type: "done", ok: false, error: serializeError(error), durationMs, memoryUsedMB: memoryUsedMB() });
}
