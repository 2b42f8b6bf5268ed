import { randomUUID } from "node:crypto";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import WebSocket from "ws";
import { localDynamoDbClient } from "../../src/clients";
import type { InvocationReport } from "../../src/lambda/invocation-report";
import { type LocalStack, startLocalStack } from "../../src/stack/local-stack";
import app, { counterUser } from "./local.config";

/**
 * `packages/local` running an app that is not Live Orders: its own route tables, table, users,
 * handlers and seed hook, given as configuration, through the same `startLocalStack` as `npm start`.
 */
describe("a second app on the local stack", () => {
  let stack: LocalStack;
  const reports: InvocationReport[] = [];
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    stack = await startLocalStack({
      app,
      rootDir: import.meta.dirname,
      dynamoEndpoint: inject("dynamoEndpoint"),
      cognitoEndpoint: inject("cognitoEndpoint"),
      tableName: `counter-${randomUUID().slice(0, 8)}`,
      poolName: `counter-${randomUUID().slice(0, 8)}`,
      log: () => undefined,
      onReport: (report) => reports.push(report),
    });
  });
  afterAll(async () => {
    for (const socket of sockets) socket.terminate();
    await stack?.stop();
  });

  async function connect(): Promise<{ socket: WebSocket; frames: unknown[] }> {
    const socket = new WebSocket(stack.outputs.ws);
    sockets.push(socket);
    const frames: unknown[] = [];
    socket.on("message", (data) => frames.push(JSON.parse(String(data))));
    await new Promise((resolve, reject) => {
      socket.once("open", resolve);
      socket.once("error", reject);
    });
    return { socket, frames };
  }

  it("ran the app's seed hook with the handlers' links", async () => {
    const dynamodb = localDynamoDbClient(stack.outputs.dynamoEndpoint);
    const { Item } = await dynamodb.send(
      new GetItemCommand({ TableName: stack.outputs.table, Key: { pk: { S: "COUNTER#pears" }, sk: { S: "COUNT" } } }),
    );
    dynamodb.destroy();

    expect(Item?.value?.N).toBe("10");
  });

  it("connects, routes a frame to the app's handler, and delivers its @connections post", async () => {
    const { socket, frames } = await connect();

    socket.send(JSON.stringify({ action: "echo", text: "hello" }));

    await expect.poll(() => frames).toContainEqual({ echo: "hello" });
    // The post arrives before the invocation ends; its report comes with the end.
    await expect.poll(() => reports.find((report) => report.trigger === "echo")).toBeDefined();
    const echo = reports.find((report) => report.trigger === "echo");
    expect(echo).toMatchObject({ functionName: "handlers-echo-handler", status: { kind: "ok", detail: "200" } });
    expect(echo?.logs.map((line) => JSON.parse(line).message)).toEqual(["echo"]);
  });

  it("runs an HTTP route behind the JWT authorizer with the stack's user pool, and refuses one without a token", async () => {
    const token = await stack.token(counterUser.email);

    const counted = await fetch(`${stack.outputs.api}/counters/apples`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    const refused = await fetch(`${stack.outputs.api}/counters/apples`, { method: "POST" });

    expect(counted.status).toBe(200);
    expect(await counted.json()).toEqual({ name: "apples", value: 1, by: stack.userId(counterUser.email) });
    expect(refused.status).toBe(401);
  });

  it("invokes the app's stream subscriber with each write its filter matches, which pushes it to the sockets", async () => {
    const { frames } = await connect();
    const token = await stack.token(counterUser.email);

    await fetch(`${stack.outputs.api}/counters/plums`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });

    await expect.poll(() => frames, { timeout: 10_000 }).toContainEqual({ counter: "plums", value: 1 });
    // As with the echo above: the push arrives before the invocation ends, its report with the end.
    await expect.poll(() => reports.some((report) => report.trigger.startsWith("DynamoDB stream ("))).toBe(true);
  });
});
