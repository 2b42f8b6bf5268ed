/**
 * What Lambda writes to CloudWatch for each invocation (`START`, the function's own lines, `END`,
 * `REPORT`), as data: the local runtime makes one per invocation and the stack prints it.
 */

/** How an invocation ended, as its `REPORT` line tells it. */
export type InvocationStatus =
  /** The handler returned; `detail` is what it answered (an HTTP status, Allow/Deny, failed batch items). */
  | { kind: "ok"; detail?: string }
  /** The handler threw (or rejected); `errorType` is the error's name, as in Lambda's `Invoke Error`. */
  | { kind: "error"; errorType: string }
  | { kind: "timeout" }
  /** The execution environment died during the invocation (Lambda's `Runtime.ExitError`). */
  | { kind: "exit"; errorType: string; message: string };

export interface InvocationReport {
  functionName: string;
  /** The SST handler reference the function runs. */
  handler: string;
  /** What invoked it: a route key, `authorizer $connect`, `DynamoDB stream (3 records)`. */
  trigger: string;
  requestId: string;
  /** Which execution environment ran it (numbered per function, from 1). */
  environment: number;
  durationMs: number;
  /** Lambda bills in 1 ms steps. */
  billedDurationMs: number;
  memorySizeMB: number;
  /** The environment's peak memory so far (its JS heap and external memory: see README). */
  maxMemoryUsedMB: number;
  /** Set on a cold start: how long the environment took to start and run the module's init code. */
  initDurationMs?: number;
  status: InvocationStatus;
  /** What the handler wrote (stdout/stderr) during the invocation, line by line. */
  logs: string[];
  /** When it started (epoch ms). */
  startedAt: number;
}

/** The route or event source an invocation came from, read off the event as Lambda's callers shape it. */
export function triggerOf(event: unknown): string {
  if (event === null || typeof event !== "object") return "invoke";
  const e = event as {
    type?: unknown;
    methodArn?: unknown;
    routeKey?: unknown;
    requestContext?: { routeKey?: unknown };
    Records?: { eventSource?: unknown }[];
  };
  const routeKey = e.requestContext?.routeKey ?? e.routeKey;
  if (e.type === "REQUEST" && typeof e.methodArn === "string") return `authorizer ${routeKey ?? ""}`.trimEnd();
  if (typeof routeKey === "string") return routeKey;
  if (Array.isArray(e.Records) && e.Records.length > 0) {
    const source = e.Records[0]?.eventSource === "aws:dynamodb" ? "DynamoDB stream" : String(e.Records[0]?.eventSource);
    return `${source} (${e.Records.length} record${e.Records.length === 1 ? "" : "s"})`;
  }
  return "invoke";
}

/** What a returned value says about the outcome: the HTTP status, the authorizer's effect, failed batch items. */
export function outcomeOf(result: unknown): string | undefined {
  if (result === null || typeof result !== "object") return undefined;
  const r = result as {
    statusCode?: unknown;
    policyDocument?: { Statement?: { Effect?: unknown }[] };
    batchItemFailures?: unknown;
  };
  if (typeof r.statusCode === "number") return String(r.statusCode);
  const effect = r.policyDocument?.Statement?.[0]?.Effect;
  if (typeof effect === "string") return effect;
  if (Array.isArray(r.batchItemFailures) && r.batchItemFailures.length > 0)
    return `${r.batchItemFailures.length} batch item failure${r.batchItemFailures.length === 1 ? "" : "s"}`;
  return undefined;
}

/** A failed invocation: an error, a timeout, an environment that died. */
export const isFailure = (report: InvocationReport): boolean => report.status.kind !== "ok";

const statusText = (status: InvocationStatus): string => {
  switch (status.kind) {
    case "ok":
      return status.detail ? `ok ${status.detail}` : "ok";
    case "error":
      return `error ${status.errorType}`;
    case "timeout":
      return "timeout";
    case "exit":
      return `error ${status.errorType}`;
  }
};

/**
 * Lambda's `REPORT` line, with the function and its trigger in front (locally many functions share
 * one terminal) and the outcome at the end (Lambda puts `Status: timeout`/`Status: error` there).
 */
export function formatReportLine(report: InvocationReport): string {
  const fields = [
    `REPORT ${report.functionName} (${report.trigger})`,
    `RequestId: ${report.requestId}`,
    `Duration: ${report.durationMs.toFixed(2)} ms`,
    `Billed Duration: ${report.billedDurationMs} ms`,
    `Memory Size: ${report.memorySizeMB} MB`,
    `Max Memory Used: ${report.maxMemoryUsedMB} MB`,
    ...(report.initDurationMs === undefined ? [] : [`Init Duration: ${report.initDurationMs.toFixed(2)} ms`]),
    `Status: ${statusText(report.status)}`,
  ];
  return fields.join("\t");
}

/**
 * The invocation as CloudWatch shows it in the function's log stream: `START`, the handler's own
 * lines, `END`, `REPORT` (for `.local/logs/lambda.log`).
 */
export function formatCloudWatchLines(report: InvocationReport): string[] {
  return [
    `START ${report.functionName} RequestId: ${report.requestId} Version: $LATEST`,
    ...report.logs,
    `END ${report.functionName} RequestId: ${report.requestId}`,
    formatReportLine(report),
  ];
}

/** For a terminal: the `REPORT` line, then the handler's lines indented under it. */
export function formatForTerminal(report: InvocationReport): string[] {
  return [formatReportLine(report), ...report.logs.map((line) => `    ${line}`)];
}
