import { once } from "node:events";
import { connect } from "node:net";
import { resolve } from "node:path";
import { PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { localManagementApiClient } from "../clients";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../config";
import { createHandlerLoader, type HandlerLoader } from "../lambda/handler-loader";
import { startGateway } from "./index";
import { webSocketLimits } from "./limits";

/**
 * The gateway's life cycle as the local stack and the chaos run use it. (Its API behaviour is
 * covered from outside by test/conformance.)
 */
const rootDir = resolve(import.meta.dirname, "../../../..");
const fixture = (name: string) => ({ handler: `packages/local/test/conformance/fixtures/websocket-handlers.${name}` });
const webSocket = { routes: { whoami: fixture("whoami"), noop: fixture("noop") } };

let loader: HandlerLoader;
beforeAll(() => {
  process.env.AWS_REGION ??= LOCAL_REGION;
  process.env.AWS_ACCESS_KEY_ID ??= LOCAL_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= LOCAL_CREDENTIALS.secretAccessKey;
  loader = createHandlerLoader({ rootDir, log: () => undefined });
});
afterAll(() => loader.close());

const open = (url: string) =>
  new Promise<WebSocket>((resolvePromise, reject) => {
    const socket = new WebSocket(url);
    socket.once("open", () => resolvePromise(socket));
    socket.once("error", reject);
  });

describe("startGateway / stop", () => {
  it("reports URLs with the stage in the WebSocket path and none in the HTTP one", async () => {
    const gateway = await startGateway({ loader, stage: "test", webSocket });

    expect(gateway.wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/test$/);
    expect(gateway.managementEndpoint).toBe(gateway.wsUrl.replace(/^ws:/, "http:"));
    expect(gateway.httpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await gateway.stop();
  });

  it("closes open connections with 1001 on stop and restarts on the same ports", async () => {
    const first = await startGateway({ loader, webSocket });
    const wsPort = Number(new URL(first.wsUrl).port);
    const httpPort = Number(new URL(first.httpUrl).port);
    const client = await open(first.wsUrl);
    const closed = new Promise<number>((resolvePromise) => client.once("close", (code) => resolvePromise(code)));
    // A keep-alive HTTP connection must not hold the port either.
    await fetch(`${first.httpUrl}/nothing`);

    await first.stop();
    const second = await startGateway({ loader, webSocket, wsPort, httpPort });
    const again = await open(second.wsUrl);

    expect(await closed).toBe(1001);
    expect(second.wsUrl).toBe(first.wsUrl);
    expect((await fetch(`${second.httpUrl}/nothing`)).status).toBe(404);
    again.terminate();
    await second.stop();
  });

  it("stops while clients hold idle connections: one silent, one keep-alive @connections", async () => {
    const gateway = await startGateway({ loader, webSocket });
    const { port } = new URL(gateway.wsUrl);
    const silent = connect(Number(port), "127.0.0.1");
    const keptAlive = connect(Number(port), "127.0.0.1");
    await Promise.all([once(silent, "connect"), once(keptAlive, "connect")]);
    keptAlive.write("GET /local/@connections/none HTTP/1.1\r\nhost: x\r\n\r\n");
    await once(keptAlive, "data"); // 403: unsigned

    const started = Date.now();
    await gateway.stop();

    expect(Date.now() - started).toBeLessThan(2000);
    silent.destroy();
    keptAlive.destroy();
  });

  it("fails to start, naming the port, when it is taken", async () => {
    const running = await startGateway({ loader, webSocket });
    const wsPort = Number(new URL(running.wsUrl).port);

    await expect(startGateway({ loader, webSocket, wsPort })).rejects.toMatchObject({ code: "EADDRINUSE" });
    await running.stop();
  });
});

describe("the gateway's own bounds (local only: API Gateway documents none)", () => {
  it("closes connections whose request head never completes (50 sockets sending half a request)", async () => {
    const gateway = await startGateway({ loader, webSocket: { ...webSocket, headersTimeoutMs: 300 } });
    const port = Number(new URL(gateway.wsUrl).port);
    const sockets = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const socket = connect(port, "127.0.0.1");
        await once(socket, "connect");
        socket.write("GET /local HTTP/1.1\r\n");
        return socket;
      }),
    );
    const started = Date.now();

    await Promise.all(sockets.map((socket) => once(socket, "close")));

    expect(Date.now() - started).toBeLessThan(5_000);
    await gateway.stop();
  });

  it("closes a client that stops reading, as API Gateway closes a connection itself, and answers 410 for it", async () => {
    const gateway = await startGateway({ loader, webSocket });
    const client = await open(gateway.wsUrl);
    const closed = new Promise<number>((resolvePromise) => client.once("close", (code) => resolvePromise(code)));
    const reply = once(client, "message");
    client.send(JSON.stringify({ action: "whoami" }));
    const { connectionId } = JSON.parse(String((await reply)[0])) as { connectionId: string };
    // The client reads nothing from here on.
    (client as unknown as { _socket: import("node:net").Socket })._socket.pause();
    const management = localManagementApiClient(gateway.managementEndpoint);
    const data = Buffer.alloc(100 * 1024, "x");

    let accepted = 0;
    let refusal: unknown;
    for (let i = 0; i < 1_000 && refusal === undefined; i++) {
      await management
        .send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }))
        .then(() => accepted++)
        .catch((error: unknown) => {
          refusal = error;
        });
    }
    management.destroy();

    expect(refusal).toMatchObject({ name: "GoneException", $metadata: { httpStatusCode: 410 } });
    // What the kernel's socket buffers hold, plus the gateway's bound: far from unbounded.
    expect(accepted * data.length).toBeGreaterThan(webSocketLimits.maxBufferedBytes);
    expect(accepted).toBeLessThan(1_000);
    expect(gateway.counts().openConnections).toBe(0);
    client.terminate();
    await closed;
    await gateway.stop();
  });
});
