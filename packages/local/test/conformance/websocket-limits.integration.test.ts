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
beforeEach(async () => {
  observer = await TestClient.connect(target.main.wsUrl, { ticket: "allow" });
  observerId = await observer.whoami();
});
afterEach(() => observer.close());

const KB = 1024;

/** An `echo` frame of exactly `size` bytes. */
function echoFrameOfSize(size: number): string {
  const empty = JSON.stringify({ action: "echo", pad: "" });
  return JSON.stringify({ action: "echo", pad: "x".repeat(size - empty.length) });
}

/** Sends one text message as several frames of at most `frameSize` bytes (RFC 6455 fragmentation). */
function sendFragmented(client: TestClient, message: string, frameSize: number): void {
  const bytes = Buffer.from(message);
  for (let offset = 0; offset < bytes.length; offset += frameSize) {
    const fin = offset + frameSize >= bytes.length;
    client.socket.send(bytes.subarray(offset, offset + frameSize), { binary: false, fin });
  }
}

describe("32 KB frame limit", () => {
  it("accepts a message of exactly 32 KB in one frame", async () => {
    const client = await TestClient.connect(target.main.wsUrl, { ticket: "allow" });

    client.send(echoFrameOfSize(32 * KB));
    const { event } = await client.nextOfType("echo");

    expect(event.body).toEqual({ length: 32 * KB });
    await client.close();
  });

  it("closes with 1009 on a single frame over 32 KB, without routing it", async () => {
    const client = await TestClient.connect(target.main.wsUrl, { ticket: "allow", observer: observerId });

    client.send(echoFrameOfSize(32 * KB + 1));
    const closed = await client.closed;
    const { event } = await observer.nextOfType("disconnect");

    expect(closed.code).toBe(1009);
    expect(event.requestContext.disconnectStatusCode).toBe(1009);
    expect(client.received.filter((frame: any) => frame?.type === "echo")).toEqual([]);
  });
});

describe("128 KB message limit", () => {
  it("accepts a 100 KB message sent as frames of 32 KB", async () => {
    const client = await TestClient.connect(target.main.wsUrl, { ticket: "allow" });

    sendFragmented(client, echoFrameOfSize(100 * KB), 32 * KB);
    const { event } = await client.nextOfType("echo");

    expect(event.body).toEqual({ length: 100 * KB });
    await client.close();
  });

  it("accepts exactly 128 KB in 32 KB frames", async () => {
    const client = await TestClient.connect(target.main.wsUrl, { ticket: "allow" });

    sendFragmented(client, echoFrameOfSize(128 * KB), 32 * KB);
    const { event } = await client.nextOfType("echo");

    expect(event.body).toEqual({ length: 128 * KB });
    await client.close();
  });

  it("closes with 1009 on a message over 128 KB, even in 32 KB frames", async () => {
    const client = await TestClient.connect(target.main.wsUrl, { ticket: "allow", observer: observerId });

    sendFragmented(client, echoFrameOfSize(128 * KB + 1), 32 * KB);
    const closed = await client.closed;
    const { event } = await observer.nextOfType("disconnect");

    expect(closed.code).toBe(1009);
    expect(event.requestContext.disconnectStatusCode).toBe(1009);
    expect(client.received.filter((frame: any) => frame?.type === "echo")).toEqual([]);
  });
});
