/**
 * The handlers' structured logger: one JSON line per entry on stdout, in Powertools Logger's
 * shape (`level`, `message`, `timestamp`, `service`, `xray_trace_id`, then the keys), so the
 * CloudWatch Logs Insights queries written for Powertools work on these lines unchanged, and
 * Lambda's advanced logging controls (JSON log format) filter them by their `level`.
 *
 * Why not Powertools Logger itself: it is 19 KB of every bundle (Logger, its formatter, log
 * buffer, attribute stores, deepMerge, `@aws/lambda-invoke-store`), which alone is half of issue
 * 15's 40 KB for the heartbeat, the authorizer and the fan-out; with Metrics (which SPEC §2
 * requires) and Batch beside it the fan-out could not fit at all. The handlers use five of its
 * calls, which is all this file implements (docs/benchmarks.md, "Bundles", has the sizes and
 * cold imports before and after).
 *
 * The level comes from the same variables Powertools reads, in its order: `AWS_LAMBDA_LOG_LEVEL`
 * (set by Lambda's advanced logging controls), `POWERTOOLS_LOG_LEVEL`, `LOG_LEVEL`; INFO if none.
 */
import { serviceName } from "./config";

const levels = { TRACE: 6, DEBUG: 8, INFO: 12, WARN: 16, ERROR: 20, CRITICAL: 24, SILENT: 28 } as const;
type LevelName = keyof typeof levels;

function configuredLevel(): number {
  const env = process.env;
  const name = (env.AWS_LAMBDA_LOG_LEVEL ?? env.POWERTOOLS_LOG_LEVEL ?? env.LOG_LEVEL ?? "INFO").toUpperCase();
  return levels[name as LevelName] ?? levels.INFO;
}

/** An Error as Powertools logs one: its name, message and stack, and its cause the same way. */
function formatError(error: Error): Record<string, unknown> {
  return {
    name: error.name,
    message: error.message,
    stack: error.stack,
    ...(error.cause === undefined
      ? {}
      : { cause: error.cause instanceof Error ? formatError(error.cause) : error.cause }),
  };
}

/** JSON for anything a handler logs: Errors formatted, BigInts as strings, a cycle cut where it repeats. */
function serialize(entry: Record<string, unknown>): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(entry, (_key, value: unknown) => {
    if (value instanceof Error) return formatError(value);
    if (typeof value === "bigint") return value.toString();
    if (typeof value === "object" && value !== null) {
      if (seen.has(value)) return "[Circular]";
      seen.add(value);
    }
    return value;
  });
}

export class Logger {
  readonly #threshold = configuredLevel();
  readonly #persistentKeys: Readonly<Record<string, unknown>>;
  #keys: Record<string, unknown> = {};

  constructor(persistentKeys: Record<string, unknown>) {
    this.#persistentKeys = persistentKeys;
  }

  /** Keys on every entry until `resetKeys` (the request's ids, set at the start of an invocation). */
  appendKeys(keys: Record<string, unknown>): void {
    Object.assign(this.#keys, keys);
  }

  resetKeys(): void {
    this.#keys = {};
  }

  debug(message: string, extra?: Record<string, unknown>): void {
    this.#write("DEBUG", message, extra);
  }

  info(message: string, extra?: Record<string, unknown>): void {
    this.#write("INFO", message, extra);
  }

  warn(message: string, extra?: Record<string, unknown>): void {
    this.#write("WARN", message, extra);
  }

  error(message: string, extra?: Record<string, unknown>): void {
    this.#write("ERROR", message, extra);
  }

  #write(level: LevelName, message: string, extra: Record<string, unknown> | undefined): void {
    if (levels[level] < this.#threshold) return;
    const trace = process.env._X_AMZN_TRACE_ID?.split(";")[0]?.replace("Root=", "");
    const line = serialize({
      level,
      message,
      timestamp: new Date().toISOString(),
      service: serviceName,
      ...(trace ? { xray_trace_id: trace } : {}),
      ...this.#persistentKeys,
      ...this.#keys,
      ...extra,
    });
    process.stdout.write(`${line}\n`);
  }
}

export function createLogger(component: string): Logger {
  return new Logger({ component });
}
