import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "./logger";

const levelVariables = ["AWS_LAMBDA_LOG_LEVEL", "POWERTOOLS_LOG_LEVEL", "LOG_LEVEL", "_X_AMZN_TRACE_ID"] as const;
const saved = Object.fromEntries(levelVariables.map((name) => [name, process.env[name]]));

let lines: Record<string, unknown>[] = [];
beforeEach(() => {
  for (const name of levelVariables) delete process.env[name];
  lines = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    const text = String(chunk);
    expect(text.endsWith("\n") && !text.slice(0, -1).includes("\n")).toBe(true);
    lines.push(JSON.parse(text) as Record<string, unknown>);
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  for (const name of levelVariables) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

describe("the handlers' logger", () => {
  it("writes one JSON line per entry in Powertools Logger's shape, the request's keys until reset", () => {
    process.env._X_AMZN_TRACE_ID = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
    const logger = createLogger("ws-ping");
    logger.appendKeys({ requestId: "req-1", connectionId: "c-1" });
    logger.info("frame refused", { code: "RATE_LIMITED" });
    logger.resetKeys();
    logger.warn("post failed");

    expect(lines).toHaveLength(2);
    const [first, second] = lines;
    expect(Object.keys(first ?? {}).slice(0, 5)).toEqual(["level", "message", "timestamp", "service", "xray_trace_id"]);
    expect(first).toMatchObject({
      level: "INFO",
      message: "frame refused",
      service: "live-orders",
      xray_trace_id: "1-5759e988-bd862e3fe1be46a994272793",
      component: "ws-ping",
      requestId: "req-1",
      connectionId: "c-1",
      code: "RATE_LIMITED",
    });
    expect(Date.parse(String(first?.timestamp))).not.toBeNaN();
    expect(second).toMatchObject({ level: "WARN", message: "post failed", component: "ws-ping" });
    expect(second).not.toHaveProperty("requestId");
  });

  it("logs an Error with its name, message, stack and cause, and survives values JSON cannot hold", () => {
    const logger = createLogger("stream-fan-out");
    const error = new Error("transaction cancelled", { cause: new TypeError("bad key") });
    const cyclic: Record<string, unknown> = { seq: 10n };
    cyclic.self = cyclic;
    logger.error("frame failed", { error, cyclic });

    expect(lines[0]).toMatchObject({
      level: "ERROR",
      error: { name: "Error", message: "transaction cancelled", cause: { name: "TypeError", message: "bad key" } },
      cyclic: { seq: "10", self: "[Circular]" },
    });
    const logged = lines[0]?.error as { stack?: string } | undefined;
    expect(logged?.stack).toContain("transaction cancelled");
  });

  it("honours the level of Lambda's logging controls before Powertools' variables, and SILENT", () => {
    process.env.POWERTOOLS_LOG_LEVEL = "DEBUG";
    process.env.AWS_LAMBDA_LOG_LEVEL = "WARN";
    const controlled = createLogger("a");
    controlled.info("dropped");
    controlled.warn("kept");
    delete process.env.AWS_LAMBDA_LOG_LEVEL;
    const debugging = createLogger("b");
    debugging.debug("kept too");
    process.env.POWERTOOLS_LOG_LEVEL = "silent";
    const silent = createLogger("c");
    silent.error("not even this");
    delete process.env.POWERTOOLS_LOG_LEVEL;
    const byDefault = createLogger("d");
    byDefault.debug("dropped by default");
    byDefault.info("kept by default");

    expect(lines.map((line) => line.message)).toEqual(["kept", "kept too", "kept by default"]);
  });
});
