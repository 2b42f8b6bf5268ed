/**
 * The app's lean `@connections` client against the local API Gateway, which verifies SigV4
 * with its own implementation (written from the specification, not with the SDK's signer): the
 * transport's requests are valid, refused with a wrong secret, and bounded under a burst.
 * (Signature equality with the SDK client: packages/connections/src/lean-client.test.ts.)
 */

import { LeanConnectionsClient } from "@live-orders/connections/lean-client";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "@live-orders/local/config";
import { type Gateway, startGateway } from "@live-orders/local/gateway/index";
import { createHandlerLoader, type HandlerLoader } from "@live-orders/local/lambda/handler-loader";
import { rootDir } from "@live-orders/local/testing/app-stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";

describe("against the local API Gateway (SigV4 verified there)", () => {
  let loader: HandlerLoader;
  let gateway: Gateway;
  beforeAll(async () => {
    process.env.AWS_REGION ??= LOCAL_REGION;
    process.env.AWS_ACCESS_KEY_ID ??= LOCAL_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY ??= LOCAL_CREDENTIALS.secretAccessKey;
    loader = createHandlerLoader({ rootDir, log: () => undefined });
    const fixtures = "packages/local/test/conformance/fixtures/websocket-handlers";
    gateway = await startGateway({
      loader,
      log: () => undefined,
      webSocket: { routes: { whoami: { handler: `${fixtures}.whoami` } } },
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    await loader?.close();
  });

  const connect = async () => {
    const socket = new WebSocket(gateway.wsUrl);
    const frames: string[] = [];
    socket.on("message", (data) => frames.push(String(data)));
    await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
    socket.send(JSON.stringify({ action: "whoami" }));
    await expect.poll(() => frames.length).toBe(1);
    const { connectionId } = JSON.parse(frames[0] as string) as { connectionId: string };
    return { socket, frames, connectionId };
  };

  it("posts, gets and deletes with signatures the gateway accepts; 410 once gone", async () => {
    const transport = new LeanConnectionsClient({
      endpoint: gateway.managementEndpoint,
      credentials: LOCAL_CREDENTIALS,
    });
    const { socket, frames, connectionId } = await connect();
    const closed = new Promise<number>((resolve) => socket.once("close", resolve));

    await transport.post(connectionId, '{"fast":true}');
    await expect.poll(() => frames.at(-1)).toBe('{"fast":true}');
    const info = await transport.getConnection(connectionId);
    await transport.delete(connectionId);
    expect(await closed).toBe(1000);

    expect(info.ConnectedAt).toBeInstanceOf(Date);
    expect(info.Identity?.SourceIp).toBe("127.0.0.1");
    await expect(transport.post(connectionId, "{}")).rejects.toMatchObject({
      name: "GoneException",
      $metadata: { httpStatusCode: 410 },
    });
    transport.destroy();
  });

  it("is refused with the wrong secret (InvalidSignatureException) and over 128 KB (PayloadTooLargeException)", async () => {
    const wrong = new LeanConnectionsClient({
      endpoint: gateway.managementEndpoint,
      credentials: { ...LOCAL_CREDENTIALS, secretAccessKey: "nope" },
    });
    const right = new LeanConnectionsClient({ endpoint: gateway.managementEndpoint, credentials: LOCAL_CREDENTIALS });
    const { socket, frames, connectionId } = await connect();

    await expect(wrong.post(connectionId, '{"no":1}')).rejects.toMatchObject({
      name: "InvalidSignatureException",
      $metadata: { httpStatusCode: 403 },
    });
    await expect(right.post(connectionId, "x".repeat(128 * 1024 + 1))).rejects.toMatchObject({
      name: "PayloadTooLargeException",
      $metadata: { httpStatusCode: 413 },
    });

    expect(frames).toHaveLength(1);
    socket.close();
    wrong.destroy();
    right.destroy();
  });

  it("pipelines a burst of 2000 concurrent posts onto 4 keep-alive connections: every one delivered once", async () => {
    const transport = new LeanConnectionsClient({
      endpoint: gateway.managementEndpoint,
      connections: 4,
      pipelining: 32,
      credentials: LOCAL_CREDENTIALS,
    });
    const { socket, frames, connectionId } = await connect();
    const before = gateway.counts().management["POST 200"] ?? 0;

    await Promise.all(Array.from({ length: 2000 }, (_, i) => transport.post(connectionId, `{"i":${i}}`)));
    await expect.poll(() => frames.length, { timeout: 10_000 }).toBe(2001);

    expect((gateway.counts().management["POST 200"] ?? 0) - before).toBe(2000);
    expect(new Set(frames.slice(1)).size).toBe(2000);
    socket.close();
    transport.destroy();
  });
});
