import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { dirname } from "node:path";
import {
  formatCloudWatchLines,
  formatForTerminal,
  type InvocationReport,
  isFailure,
} from "../lambda/invocation-report";

/**
 * What the terminal shows of invocations: `quiet` only failures, `default` every invocation but
 * those the app calls quiet (a heartbeat), `verbose` all of them. The log file always has all.
 */
export type ReportVerbosity = "quiet" | "default" | "verbose";

export interface InvocationLog {
  write(report: InvocationReport): void;
  close(): Promise<void>;
}

/**
 * Where the stack's invocation reports go: a `REPORT` line per invocation, with the function's own
 * lines under it, to the terminal (as `verbosity` says) and, CloudWatch-shaped (`START`, lines,
 * `END`, `REPORT`), to `file`.
 */
export function createInvocationLog(o: {
  log: (line: string) => void;
  file?: string;
  verbosity?: ReportVerbosity;
  isQuiet?: (report: InvocationReport) => boolean;
}): InvocationLog {
  const verbosity = o.verbosity ?? "default";
  let stream: WriteStream | undefined;
  if (o.file) {
    mkdirSync(dirname(o.file), { recursive: true });
    stream = createWriteStream(o.file, { flags: "a" });
  }
  const shown = (report: InvocationReport) => {
    if (isFailure(report) || verbosity === "verbose") return true;
    if (verbosity === "quiet") return false;
    return !o.isQuiet?.(report);
  };
  return {
    write(report) {
      stream?.write(`${formatCloudWatchLines(report).join("\n")}\n`);
      if (shown(report)) for (const line of formatForTerminal(report)) o.log(line);
    },
    close: () => new Promise<void>((resolve) => (stream ? stream.end(resolve) : resolve())),
  };
}
