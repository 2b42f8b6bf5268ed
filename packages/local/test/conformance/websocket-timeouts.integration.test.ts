import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConformanceTarget, lifetimeLimits, startConformanceTarget } from "./target";
import { TestClient } from "./ws-client";

/**
 * The idle timeout and the maximum connection duration, on the `shortLived` API (locally 1.5 s
 * and 4 s; on AWS 10 minutes and 2 hours, the service's own: this file then takes two hours,
 * each test's timeout sized by `lifetimeLimits()`). The tests run concurrently: each mostly waits.
 */
let target: ConformanceTarget;
beforeAll(async () => {
  target = await startConformanceTarget();
});
afterAll(() => target?.close());

// Scheduling slack on a busy machine: a timer fires late, never early.
const earlyMs = 100;
/** Each test waits for one of the limits: its own timeout is that limit plus a margin. */
const limits = lifetimeLimits();
const idleTestTimeoutMs = limits.idleTimeoutMs * 2 + 60_000;
const maxTestTimeoutMs = limits.maxConnectionMs + 60_000;

/** Sends a message the `noop` route swallows every `everyMs`, as a client heartbeat does. */
function keepAlive(client: TestClient, everyMs: number): () => void {
  const timer = setInterval(() => client.send({ action: "noop" }), everyMs);
  return () => clearInterval(timer);
}

async function connectWithObserver() {
  const { wsUrl } = target.shortLived;
  const observer = await TestClient.connect(wsUrl, { ticket: "allow" });
  const stopObserver = keepAlive(observer, 300);
  const observerId = await observer.whoami();
  const started = Date.now();
  const client = await TestClient.connect(wsUrl, { ticket: "allow", observer: observerId });
  return {
    client,
    started,
    observer,
    async done() {
      stopObserver();
      await observer.close();
    },
  };
}

describe.concurrent("connection lifetime limits", () => {
  it(
    "closes an idle connection with 1001 Going away and reports it to $disconnect",
    async () => {
      const { idleTimeoutMs, maxConnectionMs } = target.shortLived;
      const { client, started, observer, done } = await connectWithObserver();

      const closed = await client.closed;
      const elapsed = Date.now() - started;
      const { event } = await observer.nextOfType("disconnect");

      expect(closed.code).toBe(1001);
      expect(elapsed).toBeGreaterThanOrEqual(idleTimeoutMs - earlyMs);
      expect(elapsed).toBeLessThan(maxConnectionMs);
      expect(event.requestContext).toMatchObject({ disconnectStatusCode: 1001, disconnectReason: "Going away" });
      await done();
    },
    idleTestTimeoutMs,
  );

  it(
    "keeps a connection that sends messages past the idle timeout",
    async () => {
      const { idleTimeoutMs } = target.shortLived;
      const { client, done } = await connectWithObserver();
      const stop = keepAlive(client, idleTimeoutMs / 3);

      await new Promise((resolve) => setTimeout(resolve, idleTimeoutMs * 2));

      expect(client.socket.readyState).toBe(client.socket.OPEN);
      stop();
      await client.close();
      await done();
    },
    idleTestTimeoutMs,
  );

  it(
    "closes an active connection at the maximum duration with 1001",
    async () => {
      // No observer here: it would reach the maximum duration itself before it could report.
      const { idleTimeoutMs, maxConnectionMs } = target.shortLived;
      const started = Date.now();
      const client = await TestClient.connect(target.shortLived.wsUrl, { ticket: "allow" });
      const stop = keepAlive(client, idleTimeoutMs / 4);

      const closed = await client.closed;
      const elapsed = Date.now() - started;
      stop();

      expect(closed).toEqual({ code: 1001, reason: "Going away" });
      expect(elapsed).toBeGreaterThanOrEqual(maxConnectionMs - earlyMs);
    },
    maxTestTimeoutMs,
  );
});
