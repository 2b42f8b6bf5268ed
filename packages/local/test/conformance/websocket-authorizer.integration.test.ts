import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type ConformanceTarget, startConformanceTarget } from "./target";
import { TestClient } from "./ws-client";

let target: ConformanceTarget;
let observer: TestClient;
let observerId: string;
beforeAll(async () => {
  target = await startConformanceTarget();
});
afterAll(() => target?.close());
// A fresh observer per test: reports of one test never leak into the next.
beforeEach(async () => {
  observer = await TestClient.connect(target.main.wsUrl, { ticket: "allow" });
  observerId = await observer.whoami();
});
afterEach(() => observer.close());

describe("$connect REQUEST authorizer", () => {
  it("lets an Allow policy through and hands the authorizer its REQUEST event", async () => {
    const client = await TestClient.connect(target.main.wsUrl, { ticket: "allow", observer: observerId });

    const { event } = await observer.nextOfType("authorizer");

    expect(event.type).toBe("REQUEST");
    expect(event.methodArn).toMatch(/^arn:aws:execute-api:[a-z0-9-]+:\d{12}:[a-z0-9]+\/[^/]+\/\$connect$/);
    expect(event.queryStringParameters).toEqual({ ticket: "allow", observer: observerId });
    expect(event.requestContext).toMatchObject({ routeKey: "$connect", eventType: "CONNECT" });
    expect(event.requestContext.authorizer).toBeUndefined();
    await client.close();
  });

  it("accepts an Allow on a wildcard resource", async () => {
    const client = await TestClient.connect(target.main.wsUrl, { ticket: "allow-wildcard" });

    expect(client.socket.readyState).toBe(client.socket.OPEN);
    await client.close();
  });

  it("refuses a Deny policy with 403", async () => {
    const status = await TestClient.refusal(target.main.wsUrl, { ticket: "deny" });

    expect(status).toBe(403);
  });

  it('refuses an authorizer that throws "Unauthorized" with 401', async () => {
    const status = await TestClient.refusal(target.main.wsUrl, { ticket: "anything-else", observer: observerId });

    expect(status).toBe(401);
    await observer.nextOfType("authorizer"); // it was invoked, and said Unauthorized
  });

  it("refuses a crashing authorizer with 500", async () => {
    const status = await TestClient.refusal(target.main.wsUrl, { ticket: "crash" });

    expect(status).toBe(500);
  });

  it("refuses a missing identity source with 401 without invoking the authorizer", async () => {
    const missing = await TestClient.refusal(target.main.wsUrl, { observer: observerId });
    const empty = await TestClient.refusal(target.main.wsUrl, { ticket: "", observer: observerId });
    const invocations = await observer.collect((frame) => frame?.type === "authorizer", 500);

    expect([missing, empty]).toEqual([401, 401]);
    expect(invocations).toEqual([]);
  });

  it("runs $connect only after the authorizer allowed, and not at all when it refused", async () => {
    await TestClient.refusal(target.main.wsUrl, { ticket: "deny", observer: observerId });
    await observer.nextOfType("authorizer");
    const connects = await observer.collect((frame) => frame?.type === "connect", 300);

    expect(connects).toEqual([]);
  });
});

describe("authorizer context", () => {
  it("reaches $connect, every message and $disconnect as strings, with principalId", async () => {
    const client = await TestClient.connect(target.main.wsUrl, { ticket: "allow", observer: observerId });
    const expected = {
      userId: "user-1",
      count: "7",
      admin: "true",
      observer: observerId,
      principalId: "user-1",
    };

    const connect = await observer.nextOfType("connect");
    client.send({ action: "echo" });
    const message = await client.nextOfType("echo");
    client.send("to $default");
    const fallback = await client.nextOfType("default");
    await client.close();
    const disconnect = await observer.nextOfType("disconnect");

    for (const { event } of [connect, message, fallback, disconnect]) {
      expect(event.requestContext.authorizer).toEqual(expected);
    }
  });
});

describe("$connect integration response", () => {
  it("accepts a requested subprotocol only when $connect answers with it", async () => {
    const accepted = await TestClient.connect(target.main.wsUrl, { ticket: "allow", subprotocol: "accept" }, [
      "orders.v1",
      "other",
    ]);
    const ignored = TestClient.connect(target.main.wsUrl, { ticket: "allow" }, ["orders.v1"]);

    expect(accepted.socket.protocol).toBe("orders.v1");
    // A client that asked for a subprotocol refuses a handshake that names none (RFC 6455 §4.1).
    await expect(ignored).rejects.toThrow(/no subprotocol/i);
    await accepted.close();
  });

  it("fails the handshake with the status $connect returned when it is not 2xx", async () => {
    const forbidden = await TestClient.refusal(target.main.wsUrl, { ticket: "allow", reject: "403" });
    const tooMany = await TestClient.refusal(target.main.wsUrl, { ticket: "allow", reject: "429" });

    expect([forbidden, tooMany]).toEqual([403, 429]);
  });

  it("fails the handshake with 500 when $connect throws, and no connection remains", async () => {
    const status = await TestClient.refusal(target.main.wsUrl, {
      ticket: "allow",
      reject: "throw",
      observer: observerId,
    });
    const { event } = await observer.nextOfType("connect");
    const management = target.managementClient(target.main.managementEndpoint);
    const { GetConnectionCommand } = await import("@aws-sdk/client-apigatewaymanagementapi");

    expect(status).toBe(500);
    await expect(
      management.send(new GetConnectionCommand({ ConnectionId: event.requestContext.connectionId })),
    ).rejects.toMatchObject({ name: "GoneException", $metadata: { httpStatusCode: 410 } });
  });
});
