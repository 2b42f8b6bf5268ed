import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { InitiateAuthCommand } from "@aws-sdk/client-cognito-identity-provider";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import WebSocket from "ws";
import { LOCAL_CONFIG_FILE, loadLocalApp } from "../../src/app";
import { localCognitoClient } from "../../src/clients";
import { type LocalStack, startLocalStack } from "../../src/stack/local-stack";
import { DEMO_PASSWORD } from "../../src/testing/demo-users";
import { sampleOrder } from "../../src/testing/sample-order";
import { connectUrl } from "../../src/testing/tickets";

const rootDir = resolve(import.meta.dirname, "../../../..");
const cognitoEndpoint = inject("cognitoEndpoint");

describe("startLocalStack (emulators reused, no web)", () => {
  let stack: LocalStack;
  let dataDir: string;
  const log: string[] = [];
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "local-stack-"));
    stack = await startLocalStack({
      app: await loadLocalApp(join(rootDir, LOCAL_CONFIG_FILE)),
      rootDir,
      dataDir,
      dynamoEndpoint: inject("dynamoEndpoint"),
      cognitoEndpoint,
      tableName: `stack-${randomUUID().slice(0, 8)}`,
      poolName: `stack-${randomUUID().slice(0, 8)}`,
      web: false,
      seed: true,
      log: (line) => log.push(line),
      // The handlers' own logs (Powertools) are not what this file checks.
      handlerEnv: { POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? "SILENT" },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function accessToken(email: string): Promise<string> {
    const client = localCognitoClient(cognitoEndpoint);
    const result = await client.send(
      new InitiateAuthCommand({
        AuthFlow: "USER_PASSWORD_AUTH",
        ClientId: stack.outputs.userPoolClientId,
        AuthParameters: { USERNAME: email, PASSWORD: DEMO_PASSWORD },
      }),
    );
    client.destroy();
    return result.AuthenticationResult?.AccessToken ?? "";
  }

  it("writes outputs.json with every key of SPEC §6", () => {
    const outputs = JSON.parse(readFileSync(join(dataDir, "outputs.json"), "utf8")) as Record<string, string>;

    expect(Object.keys(outputs).sort()).toEqual(
      [
        "api",
        "cognitoEndpoint",
        "dynamoEndpoint",
        "table",
        "userPoolClientId",
        "userPoolId",
        "web",
        "ws",
        "wsManagementEndpoint",
      ].sort(),
    );
    expect(outputs).toEqual(stack.outputs);
    expect(outputs.api).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(outputs.ws).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/local$/);
    expect(outputs.wsManagementEndpoint).toBe(outputs.ws?.replace("ws://", "http://"));
  });

  it("prints a timed progress line per part", () => {
    for (const part of ["table", "user pool", "API Gateway (local)", "demo data", "stream poller"]) {
      expect(log.some((line) => line.includes(`✓ ${part}`) && / \d+\.\d s( |$)/.test(line))).toBe(true);
    }
  });

  it("serves the seeded demo orders through the HTTP API with a real token", async () => {
    const token = await accessToken("alice@example.com");

    const response = await fetch(`${stack.outputs.api}/orders`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await response.json()) as { orders: { customerId: string }[] };

    expect(response.status).toBe(200);
    expect(body.orders.length).toBeGreaterThan(0);
    const alice = stack.users.find((user) => user.email === "alice@example.com");
    expect(body.orders.every((order) => order.customerId === alice?.userId)).toBe(true);
  });

  it("reports every invocation: a REPORT line in the log, START/END/REPORT in logs/lambda.log", async () => {
    const token = await accessToken("alice@example.com");

    await fetch(`${stack.outputs.api}/orders`, { headers: { authorization: `Bearer ${token}` } });

    const report =
      /^REPORT functions-src-http-orders-list \(GET \/orders\)\tRequestId: ([0-9a-f-]{36})\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 1024 MB\tMax Memory Used: \d+ MB(\tInit Duration: [\d.]+ ms)?\tStatus: ok 200$/;
    await expect.poll(() => log.find((line) => report.test(line))).toBeDefined();
    const requestId = report.exec(log.find((line) => report.test(line)) ?? "")?.[1];
    await expect
      .poll(() => readFileSync(join(dataDir, "logs", "lambda.log"), "utf8"))
      .toMatch(
        new RegExp(
          `START functions-src-http-orders-list RequestId: ${requestId} Version: \\$LATEST\nEND functions-src-http-orders-list RequestId: ${requestId}\nREPORT functions-src-http-orders-list`,
        ),
      );
  });

  it("pushes a new order's event to a WebSocket subscriber through the stream poller", async () => {
    const token = await accessToken("staff@example.com");
    const socket = new WebSocket(await connectUrl(stack.outputs, token));
    const frames: { type: string; event?: { kind: string; orderId?: string } }[] = [];
    socket.on("message", (data) => frames.push(JSON.parse(String(data))));
    await new Promise((resolveOpen, rejectOpen) => {
      socket.once("open", resolveOpen);
      socket.once("error", rejectOpen);
    });
    socket.send(JSON.stringify({ action: "subscribe", topic: "orders", id: "s1" }));
    await expect.poll(() => frames.some((frame) => frame.type === "subscribed")).toBe(true);

    const customer = await accessToken("bob@example.com");
    const created = await fetch(`${stack.outputs.api}/orders`, {
      method: "POST",
      headers: { authorization: `Bearer ${customer}`, "content-type": "application/json" },
      body: JSON.stringify(sampleOrder),
    });
    const order = (await created.json()) as { id: string };

    await expect
      .poll(
        () =>
          frames.some((f) => f.type === "event" && f.event?.kind === "order.created" && f.event.orderId === order.id),
        {
          timeout: 10_000,
        },
      )
      .toBe(true);
    socket.close();
  });
});
