import type { FunctionPoolsOptions } from "./function-pool";
import type { InvocationReport } from "./invocation-report";

/** An error as it crosses the process boundary: what Lambda reports of one (type, message, stack). */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

/** Parent → runtime process. */
export type RuntimeRequest =
  | { type: "init"; options: Omit<FunctionPoolsOptions, "log" | "onReload" | "onReport"> }
  | { type: "load"; id: number; ref: string }
  | { type: "invoke"; id: number; ref: string; event: unknown }
  | { type: "close" };

/** Runtime process → parent. */
export type RuntimeReply =
  | { type: "result"; id: number; result: unknown }
  | { type: "error"; id: number; error: SerializedError }
  | { type: "log"; line: string }
  | { type: "report"; report: InvocationReport }
  | { type: "reload"; files: string[] };
