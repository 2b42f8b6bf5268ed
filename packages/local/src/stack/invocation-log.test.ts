import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { InvocationReport } from "../lambda/invocation-report";
import { createInvocationLog, type ReportVerbosity } from "./invocation-log";

const report = (trigger: string, status: InvocationReport["status"]): InvocationReport => ({
  functionName: `fn-${trigger}`,
  handler: `src/${trigger}.handler`,
  trigger,
  requestId: `id-${trigger}`,
  environment: 1,
  durationMs: 1.234,
  billedDurationMs: 2,
  memorySizeMB: 1024,
  maxMemoryUsedMB: 30,
  status,
  logs: [`{"message":"${trigger} ran"}`],
  startedAt: 0,
});
const ping = report("ping", { kind: "ok" });
const subscribe = report("subscribe", { kind: "ok", detail: "200" });
const failedPing = report("ping", { kind: "error", errorType: "TypeError" });

async function shown(verbosity: ReportVerbosity): Promise<string[]> {
  const lines: string[] = [];
  const log = createInvocationLog({
    log: (line) => lines.push(line),
    verbosity,
    isQuiet: (r) => r.trigger === "ping",
  });
  for (const r of [ping, subscribe, failedPing]) log.write(r);
  await log.close();
  return lines.filter((line) => line.startsWith("REPORT")).map((line) => line.split("\t")[0] ?? "");
}

describe("createInvocationLog", () => {
  it.each<[ReportVerbosity, string[]]>([
    ["default", ["REPORT fn-subscribe (subscribe)", "REPORT fn-ping (ping)"]],
    ["verbose", ["REPORT fn-ping (ping)", "REPORT fn-subscribe (subscribe)", "REPORT fn-ping (ping)"]],
    ["quiet", ["REPORT fn-ping (ping)"]],
  ])("%s shows %j (quiet routes hidden by default, failures always)", async (verbosity, expected) => {
    expect(await shown(verbosity)).toEqual(expected);
  });

  it("puts the function's lines under its REPORT line in the terminal", async () => {
    const lines: string[] = [];
    const log = createInvocationLog({ log: (line) => lines.push(line) });

    log.write(subscribe);
    await log.close();

    expect(lines).toEqual([
      "REPORT fn-subscribe (subscribe)\tRequestId: id-subscribe\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 1024 MB\tMax Memory Used: 30 MB\tStatus: ok 200",
      '    {"message":"subscribe ran"}',
    ]);
  });

  it("writes every invocation to the file as CloudWatch shows it, whatever the terminal shows", async () => {
    const dir = mkdtempSync(join(tmpdir(), "invocation-log-"));
    const file = join(dir, "logs", "lambda.log");
    const log = createInvocationLog({ log: () => undefined, file, verbosity: "quiet" });

    log.write(ping);
    await log.close();

    expect(readFileSync(file, "utf8").split("\n")).toEqual([
      "START fn-ping RequestId: id-ping Version: $LATEST",
      '{"message":"ping ran"}',
      "END fn-ping RequestId: id-ping",
      "REPORT fn-ping (ping)\tRequestId: id-ping\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 1024 MB\tMax Memory Used: 30 MB\tStatus: ok",
      "",
    ]);
    rmSync(dir, { recursive: true, force: true });
  });
});
