import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type Gateway, startGateway } from "../gateway/index";
import { createFunctionPools } from "./function-pool";
import type { HandlerLoader } from "./handler-loader";

/**
 * A function at its reserved concurrency, invoked through the local API Gateway. API Gateway does
 * not pass Lambda's 429 on: a throttled Lambda integration is an integration failure, answered as
 * any other (AWS Knowledge Center, "How do I troubleshoot issues for API Gateway endpoints that
 * integrate with Lambda?": throttling → "Internal server error"); the HTTP API's is
 * `500 {"message":"Internal Server Error"}`, the WebSocket API's an error frame on the connection.
 */
describe("throttling at reserved concurrency, through the gateway", () => {
  let rootDir: string;
  let functions: HandlerLoader;
  let gateway: Gateway;
  const logged: string[] = [];

  beforeAll(async () => {
    rootDir = mkdtempSync(join(tmpdir(), "throttling-"));
    mkdirSync(join(rootDir, "src"));
    writeFileSync(
      join(rootDir, "src/slow.ts"),
      `export const handler = async () => { await new Promise((r) => setTimeout(r, 600)); return { statusCode: 200, body: "done" }; };`,
    );
    functions = createFunctionPools({
      rootDir,
      bundledScopes: [],
      reservedConcurrency: { "src/slow.handler": 1 },
      log: (line) => logged.push(line),
    });
    gateway = await startGateway({
      loader: functions,
      log: (line) => logged.push(line),
      webSocket: { routes: { slow: { handler: "src/slow.handler" } } },
      http: { routes: { "GET /slow": { handler: "src/slow.handler" } } },
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    await functions?.close();
    rmSync(rootDir, { recursive: true, force: true });
  });

  it("answers the HTTP request past it with API Gateway's 500, while the one within it succeeds", async () => {
    const first = fetch(`${gateway.httpUrl}/slow`);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const second = fetch(`${gateway.httpUrl}/slow`);

    const [within, past] = await Promise.all([first, second]);

    expect([within.status, await within.text()]).toEqual([200, "done"]);
    expect([past.status, await past.json()]).toEqual([500, { message: "Internal Server Error" }]);
    expect(logged.join("\n")).toMatch(
      /THROTTLED src-slow-handler \(GET \/slow\): TooManyRequestsException: Rate Exceeded\./,
    );
  });

  it("answers the WebSocket frame past it with the gateway's error frame", async () => {
    const socket = new WebSocket(gateway.wsUrl);
    const frames: { message?: string }[] = [];
    socket.on("message", (data) => frames.push(JSON.parse(String(data))));
    await new Promise((resolve, reject) => {
      socket.once("open", resolve);
      socket.once("error", reject);
    });

    socket.send(JSON.stringify({ action: "slow" }));
    await new Promise((resolve) => setTimeout(resolve, 150));
    socket.send(JSON.stringify({ action: "slow" }));

    await expect.poll(() => frames).toEqual([expect.objectContaining({ message: "Internal server error" })]);
    socket.close();
  });
});
