import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type ConformanceTarget, startConformanceTarget } from "./target";
import { TestClient, userAgent } from "./ws-client";

let target: ConformanceTarget;
let observer: TestClient;
let observerId: string;
beforeAll(async () => {
  target = await startConformanceTarget();
});
afterAll(() => target?.close());
beforeEach(async () => {
  observer = await TestClient.connect(target.main.wsUrl, { ticket: "allow" });
  observerId = await observer.whoami();
});
afterEach(() => observer.close());

/** API Gateway's id format: 16 characters of standard base64, the last one `=`. */
const awsId = /^[A-Za-z0-9+/]{15}=$/;

/** What every WebSocket event's requestContext carries, whatever its type. */
function expectCommonContext(context: Record<string, any>, connectionId: string) {
  const management = new URL(target.main.managementEndpoint);
  expect(context).toMatchObject({
    connectionId,
    messageDirection: "IN",
    stage: management.pathname.slice(1),
    identity: { sourceIp: expect.stringMatching(/^[\d.:a-f]+$/), userAgent },
    apiId: expect.stringMatching(/^[a-z0-9]{10}$/),
    connectedAt: expect.any(Number),
    requestTimeEpoch: expect.any(Number),
    requestTime: expect.stringMatching(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/),
  });
  expect(context.requestId).toMatch(awsId);
  expect(context.extendedRequestId).toMatch(awsId);
  expect(context.requestId).not.toBe(context.extendedRequestId);
  expect(context.requestTimeEpoch).toBeGreaterThanOrEqual(context.connectedAt);
  // Code builds the management endpoint from domainName and stage: it must name the real host.
  expect(context.domainName).toBe(management.host);
}

describe("requestContext per event type", () => {
  it("CONNECT: $connect route key, headers and query, no messageId", async () => {
    const client = await TestClient.connect(target.main.wsUrl, { ticket: "allow", observer: observerId });
    const connectionId = await client.whoami();

    const { event } = await observer.nextOfType("connect");

    expectCommonContext(event.requestContext, connectionId);
    expect(event.requestContext).toMatchObject({ routeKey: "$connect", eventType: "CONNECT" });
    expect(event.requestContext).not.toHaveProperty("messageId");
    expect(event.requestContext).not.toHaveProperty("disconnectStatusCode");
    expect(event.queryStringParameters).toMatchObject({ ticket: "allow", observer: observerId });
    expect(event.headers).toMatchObject({ "User-Agent": userAgent });
    expect(event.isBase64Encoded).toBe(false);
    await client.close();
  });

  it("MESSAGE: route key, a fresh messageId and requestId per message, same connectedAt", async () => {
    const client = await TestClient.connect(target.main.wsUrl, { ticket: "allow", observer: observerId });
    const connect = await observer.nextOfType("connect");
    const connectionId = connect.event.requestContext.connectionId;

    client.send({ action: "echo", n: 1 });
    const first = (await client.nextOfType("echo")).event;
    client.send({ action: "echo", n: 2 });
    const second = (await client.nextOfType("echo")).event;

    for (const event of [first, second]) {
      expectCommonContext(event.requestContext, connectionId);
      expect(event.requestContext).toMatchObject({ routeKey: "echo", eventType: "MESSAGE" });
      expect(event.requestContext.messageId).toMatch(awsId);
      expect(event.requestContext.connectedAt).toBe(connect.event.requestContext.connectedAt);
      expect(event.requestContext).not.toHaveProperty("disconnectStatusCode");
    }
    expect(first.requestContext.messageId).not.toBe(second.requestContext.messageId);
    expect(first.requestContext.requestId).not.toBe(second.requestContext.requestId);
    await client.close();
  });

  it("DISCONNECT: the client's close code, no messageId", async () => {
    const client = await TestClient.connect(target.main.wsUrl, { ticket: "allow", observer: observerId });
    const connectionId = await client.whoami();

    await client.close(1000, "done here");
    const { event } = await observer.nextOfType("disconnect");

    expectCommonContext(event.requestContext, connectionId);
    expect(event.requestContext).toMatchObject({
      routeKey: "$disconnect",
      eventType: "DISCONNECT",
      disconnectStatusCode: 1000,
      disconnectReason: expect.any(String),
    });
    expect(event.requestContext).not.toHaveProperty("messageId");
  });

  it("DISCONNECT after a dropped TCP connection reports 1006", async () => {
    const client = await TestClient.connect(target.main.wsUrl, { ticket: "allow", observer: observerId });
    await client.whoami();

    client.socket.terminate();
    const { event } = await observer.nextOfType("disconnect");

    expect(event.requestContext.disconnectStatusCode).toBe(1006);
  });
});

describe("client-chosen names", () => {
  it("keeps query parameters like __proto__ and constructor as plain names", async () => {
    const client = await TestClient.connect(target.main.wsUrl, {
      ticket: "allow",
      observer: observerId,
      constructor: "c",
      ["__proto__"]: "p", // computed: a literal __proto__ key would set the prototype
    });

    const { event } = await observer.nextOfType("connect");

    expect(event.queryStringParameters.constructor).toBe("c");
    expect(Object.getOwnPropertyDescriptor(event.queryStringParameters, "__proto__")?.value).toBe("p");
    expect(event.multiValueQueryStringParameters.constructor).toEqual(["c"]);
    await client.close();
  });
});

describe("connection ids", () => {
  it("are unique, in API Gateway's base64 format", async () => {
    const clients = await Promise.all(
      Array.from({ length: 5 }, () => TestClient.connect(target.main.wsUrl, { ticket: "allow" })),
    );

    const ids = await Promise.all(clients.map((client) => client.whoami()));

    for (const id of ids) expect(id).toMatch(awsId);
    expect(new Set(ids).size).toBe(ids.length);
    await Promise.all(clients.map((client) => client.close()));
  });
});
