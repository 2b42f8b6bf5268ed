import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConformanceTarget, startConformanceTarget } from "./target";
import { TestClient } from "./ws-client";

let target: ConformanceTarget;
beforeAll(async () => {
  target = await startConformanceTarget();
});
afterAll(() => target?.close());

const connectMain = () => TestClient.connect(target.main.wsUrl, { ticket: "allow" });

describe("route selection on $request.body.action", () => {
  it("routes a JSON frame to the route its action names", async () => {
    const client = await connectMain();

    client.send({ action: "echo", payload: 1 });
    const { event } = await client.nextOfType("echo");

    expect(event.requestContext.routeKey).toBe("echo");
    expect(event.body).toBe('{"action":"echo","payload":1}');
    await client.close();
  });

  it("routes an action that matches no route to $default", async () => {
    const client = await connectMain();

    client.send({ action: "noSuchRoute" });
    const { event } = await client.nextOfType("default");

    expect(event.requestContext.routeKey).toBe("$default");
    expect(event.body).toBe('{"action":"noSuchRoute"}');
    await client.close();
  });

  it("routes a frame that is not JSON to $default, body untouched", async () => {
    const client = await connectMain();

    client.send("hello, not json {");
    const { event } = await client.nextOfType("default");

    expect(event.requestContext.routeKey).toBe("$default");
    expect(event.body).toBe("hello, not json {");
    expect(event.isBase64Encoded).toBe(false);
    await client.close();
  });

  it("does not take inherited names (constructor, __proto__) for routes", async () => {
    const client = await connectMain();

    client.send({ action: "constructor" });
    client.send('{"action":"__proto__"}');
    const first = await client.nextOfType("default");
    const second = await client.nextOfType("default");

    expect([first.event.requestContext.routeKey, second.event.requestContext.routeKey]).toEqual([
      "$default",
      "$default",
    ]);
    await client.close();
  });

  it("routes JSON without an action (or a non-object) to $default", async () => {
    const client = await connectMain();

    client.send({ type: "no action here" });
    client.send("[1,2,3]");
    const first = await client.nextOfType("default");
    const second = await client.nextOfType("default");

    expect([first.event.body, second.event.body].sort()).toEqual(["[1,2,3]", '{"type":"no action here"}']);
    await client.close();
  });

  it("answers a frame no route takes, with no $default, with API Gateway's Forbidden frame", async () => {
    const client = await TestClient.connect(target.bare.wsUrl);
    const connectionId = await client.whoami();

    client.send({ action: "noSuchRoute" });
    const unmatched = await client.next((frame) => frame?.message !== undefined);
    client.send("not json");
    const notJson = await client.next((frame) => frame?.message !== undefined);

    for (const frame of [unmatched, notJson]) {
      expect(frame).toEqual({ message: "Forbidden", connectionId, requestId: expect.any(String) });
    }
    expect(unmatched.requestId).not.toBe(notJson.requestId);
    await client.close();
  });

  it("accepts connections on an API without a $connect route", async () => {
    const client = await TestClient.connect(target.bare.wsUrl);

    client.send({ action: "echo" });
    const { event } = await client.nextOfType("echo");

    expect(event.requestContext.eventType).toBe("MESSAGE");
    await client.close();
  });
});

describe("route integration results", () => {
  it("does not send a route handler's return value to the client", async () => {
    const client = await connectMain();

    client.send({ action: "returns" });
    client.send({ action: "whoami" });
    await client.nextOfType("whoami");
    const others = await client.collect(() => true, 300);

    expect(others).toEqual([]);
    await client.close();
  });

  it("answers a thrown route handler with API Gateway's Internal server error frame", async () => {
    const client = await connectMain();
    const connectionId = await client.whoami();

    client.send({ action: "fail" });
    const frame = await client.next((f) => f?.message !== undefined);

    expect(frame).toEqual({ message: "Internal server error", connectionId, requestId: expect.any(String) });
    expect(client.socket.readyState).toBe(client.socket.OPEN);
    await client.close();
  });
});
