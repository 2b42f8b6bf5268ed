import type { FunctionSettings } from "./lambda-context";
import type { SerializedError } from "./runtime-protocol";

/** What an execution environment is started with (its `workerData`). */
export interface EnvironmentData {
  /** file: URL of the function's bundle. */
  bundleUrl: string;
  exportName: string;
  handlerRef: string;
  settings: FunctionSettings;
}

/** Runtime host → execution environment. */
export type EnvironmentRequest = { type: "invoke"; requestId: string; event: unknown };

/** Execution environment → runtime host. */
export type EnvironmentReply =
  | { type: "ready" }
  | { type: "init-error"; error: SerializedError }
  /** What the function wrote to stdout or stderr, as written (lines are cut by the host). */
  | { type: "output"; text: string }
  | { type: "done"; ok: true; result: unknown; durationMs: number; memoryUsedMB: number }
  | { type: "done"; ok: false; error: SerializedError; durationMs: number; memoryUsedMB: number };

export const serializeError = (error: unknown): SerializedError =>
  error instanceof Error
    ? { name: error.name, message: error.message, stack: error.stack }
    : { name: typeof error, message: String(error) };
