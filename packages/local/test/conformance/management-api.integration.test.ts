import {
  type ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type ConformanceTarget, startConformanceTarget } from "./target";
import { TestClient, userAgent } from "./ws-client";

let target: ConformanceTarget;
let management: ApiGatewayManagementApiClient;
let observer: TestClient;
let observerId: string;
beforeAll(async () => {
  target = await startConformanceTarget();
  management = target.managementClient(target.main.managementEndpoint);
});
afterAll(() => target?.close());
beforeEach(async () => {
  observer = await TestClient.connect(target.main.wsUrl, { ticket: "allow" });
  observerId = await observer.whoami();
});
afterEach(() => observer.close());

const gone = { name: "GoneException", $metadata: { httpStatusCode: 410 } };
/** A connection id in the right format that no connection has. */
const unknownId = "AAAAAAAAAAAAAAA=";

describe("PostToConnection", () => {
  it("delivers the data as one text frame", async () => {
    const client = await TestClient.connect(target.main.wsUrl, { ticket: "allow" });
    const connectionId = await client.whoami();

    await management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: '{"hello":"world"}' }));

    expect(await client.next((frame) => frame?.hello !== undefined)).toEqual({ hello: "world" });
    await client.close();
  });

  it("reaches ids that need URL-encoding (`+`, `/`, `=`)", async () => {
    // Ids are random: open connections until one has a `+` or `/` (about 4 in 10 do).
    const clients: TestClient[] = [];
    let special: { client: TestClient; id: string } | undefined;
    for (let attempt = 0; attempt < 25 && !special; attempt++) {
      const client = await TestClient.connect(target.main.wsUrl, { ticket: "allow" });
      clients.push(client);
      const id = await client.whoami();
      if (/[+/]/.test(id)) special = { client, id };
    }
    expect(special).toBeDefined();
    const { client, id } = special as { client: TestClient; id: string };

    await management.send(new PostToConnectionCommand({ ConnectionId: id, Data: '{"to":"special"}' }));
    const info = await management.send(new GetConnectionCommand({ ConnectionId: id }));

    expect(await client.next((frame) => frame?.to === "special")).toEqual({ to: "special" });
    expect(info.ConnectedAt).toBeInstanceOf(Date);
    await Promise.all(clients.map((c) => c.close()));
  });

  it("answers a connection whose $connect is still running with 410 GoneException", async () => {
    const client = await TestClient.connect(target.main.wsUrl, {
      ticket: "allow",
      observer: observerId,
      postToSelf: "1",
    });

    const { outcome } = await observer.nextOfType("post-during-connect");

    expect(outcome).toEqual({ name: "GoneException", status: 410 });
    expect(client.received).toEqual([]);
    await client.close();
  });

  it("answers an unknown connection with 410 GoneException", async () => {
    const attempt = management.send(new PostToConnectionCommand({ ConnectionId: unknownId, Data: "{}" }));

    await expect(attempt).rejects.toMatchObject(gone);
  });

  it("answers a closed connection with 410 GoneException", async () => {
    const client = await TestClient.connect(target.main.wsUrl, { ticket: "allow" });
    const connectionId = await client.whoami();
    await client.close();

    const attempt = management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: "{}" }));

    await expect(attempt).rejects.toMatchObject(gone);
  });

  it("answers an empty body with 400", async () => {
    const attempt = management.send(new PostToConnectionCommand({ ConnectionId: observerId, Data: new Uint8Array() }));

    await expect(attempt).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } });
  });

  it("delivers exactly 128 KB and refuses more with PayloadTooLargeException (413)", async () => {
    const limit = 128 * 1024;
    const fits = JSON.stringify({ pad: "x".repeat(limit - 10) });
    const tooLarge = JSON.stringify({ pad: "x".repeat(limit - 9) });
    expect([fits.length, tooLarge.length]).toEqual([limit, limit + 1]);

    await management.send(new PostToConnectionCommand({ ConnectionId: observerId, Data: fits }));
    const attempt = management.send(new PostToConnectionCommand({ ConnectionId: observerId, Data: tooLarge }));

    expect((await observer.next((frame) => frame?.pad !== undefined)).pad).toHaveLength(limit - 10);
    await expect(attempt).rejects.toMatchObject({
      name: "PayloadTooLargeException",
      $metadata: { httpStatusCode: 413 },
    });
  });
});

describe("GetConnection", () => {
  it("describes an open connection", async () => {
    const before = Date.now();
    const client = await TestClient.connect(target.main.wsUrl, { ticket: "allow" });
    const connectionId = await client.whoami();

    const info = await management.send(new GetConnectionCommand({ ConnectionId: connectionId }));

    expect(info.$metadata.httpStatusCode).toBe(200);
    expect(info.Identity).toEqual({ SourceIp: expect.any(String), UserAgent: userAgent });
    expect(info.ConnectedAt?.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(info.LastActiveAt?.getTime()).toBeGreaterThanOrEqual(info.ConnectedAt?.getTime() ?? Infinity);
    await client.close();
  });

  it("moves LastActiveAt forward when the client sends a message", async () => {
    const client = await TestClient.connect(target.main.wsUrl, { ticket: "allow" });
    const connectionId = await client.whoami();
    const lastActive = async () =>
      (await management.send(new GetConnectionCommand({ ConnectionId: connectionId }))).LastActiveAt?.getTime() ?? 0;
    const before = await lastActive();

    // A poll, not a sleep: each round sends a message, then asks (whatever the clock's granularity).
    await expect
      .poll(
        async () => {
          client.send({ action: "noop" });
          return lastActive();
        },
        { timeout: 5000, interval: 100 },
      )
      .toBeGreaterThan(before);
    await client.close();
  });

  it("answers an unknown connection with 410 GoneException", async () => {
    await expect(management.send(new GetConnectionCommand({ ConnectionId: unknownId }))).rejects.toMatchObject(gone);
  });
});

describe("DeleteConnection", () => {
  it("closes the socket normally and runs $disconnect", async () => {
    const client = await TestClient.connect(target.main.wsUrl, { ticket: "allow", observer: observerId });
    const connectionId = await client.whoami();

    const result = await management.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    const closed = await client.closed;
    const { event } = await observer.nextOfType("disconnect");

    expect(result.$metadata.httpStatusCode).toBe(204);
    expect(closed.code).toBe(1000);
    expect(event.requestContext).toMatchObject({
      connectionId,
      eventType: "DISCONNECT",
      disconnectStatusCode: 1000,
      disconnectReason: "Connection Closed Normally",
    });
    await expect(
      management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: "{}" })),
    ).rejects.toMatchObject(gone);
  });

  it("answers an unknown connection with 410 GoneException", async () => {
    await expect(management.send(new DeleteConnectionCommand({ ConnectionId: unknownId }))).rejects.toMatchObject(gone);
  });
});

describe("the management endpoint", () => {
  it("lives under the stage: another stage in the path reaches no connection", async () => {
    const endpoint = new URL(target.main.managementEndpoint);
    const otherStage = target.managementClient(`${endpoint.origin}/not-the-stage`);

    const attempt = otherStage.send(new GetConnectionCommand({ ConnectionId: observerId }));

    // API Gateway's answer to a path it does not serve: 403 "Missing Authentication Token".
    await expect(attempt).rejects.toMatchObject({ name: "ForbiddenException", $metadata: { httpStatusCode: 403 } });
  });

  it("refuses unsigned requests with 403", async () => {
    const response = await fetch(`${target.main.managementEndpoint}/@connections/${encodeURIComponent(observerId)}`);

    expect(response.status).toBe(403);
  });
});
