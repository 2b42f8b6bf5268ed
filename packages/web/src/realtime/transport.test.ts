import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { advance, expectRetryDelays, FakeWebSocket } from "../../test/helpers";
import { SendQueueFullError } from "./errors";
import type { NetworkSignal } from "./network";
import { type ConnectionState, ReconnectingTransport, type TransportOptions } from "./transport";

function createTransport(options: Partial<TransportOptions> = {}) {
  let tickets = 0;
  const urlCalls: Array<{ attempt: number; reason: string }> = [];
  const transport = new ReconnectingTransport({
    url: async (context) => {
      urlCalls.push(context);
      tickets += 1;
      return `ws://gateway.test/local?ticket=t${tickets}`;
    },
    WebSocket: FakeWebSocket,
    random: () => 0, // no jitter unless a test asks: delays are the base table
    heartbeat: false,
    ...options,
  });
  const states: ConnectionState[] = [];
  transport.on("state", (state) => states.push(state));
  return { transport, urlCalls, states };
}

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("ReconnectingTransport", () => {
  it("connects at once and reports connecting then connected", async () => {
    const { transport, states } = createTransport();
    transport.start();
    await advance(0);
    expect(FakeWebSocket.instances).toHaveLength(1);
    FakeWebSocket.last.accept();
    expect(states).toEqual(["connecting", "connected"]);
    expect(transport.isOpen).toBe(true);
    transport.close();
  });

  it("fetches a fresh ticket on every reconnect", async () => {
    const { transport, urlCalls } = createTransport();
    transport.start();
    await advance(0);
    FakeWebSocket.last.accept();
    await advance(5_000);
    FakeWebSocket.last.drop();
    await advance(500);
    FakeWebSocket.last.accept();
    await advance(5_000);
    FakeWebSocket.last.drop();
    await advance(500);
    expect(FakeWebSocket.instances.map((socket) => socket.ticket)).toEqual(["t1", "t2", "t3"]);
    expect(urlCalls.map((call) => call.reason)).toEqual(["initial", "retry", "retry"]);
    transport.close();
  });

  it("backs off exponentially while attempts keep failing (expected-delay table)", async () => {
    const { transport } = createTransport({ backoff: { minDelayMs: 1_000, maxDelayMs: 8_000, factor: 2, jitter: 0 } });
    transport.start();
    await advance(0);
    const expectedDelays = [1_000, 2_000, 4_000, 8_000, 8_000];
    for (const delay of expectedDelays) {
      const before = FakeWebSocket.instances.length;
      FakeWebSocket.last.drop();
      await advance(delay - 1);
      expect(FakeWebSocket.instances.length, `no attempt before ${delay} ms`).toBe(before);
      await advance(1);
      expect(FakeWebSocket.instances.length, `an attempt at ${delay} ms`).toBe(before + 1);
    }
    transport.close();
  });

  it("without a backoff option waits RetryPolicy.reconnect's delays (expected-delay table)", async () => {
    const { transport } = createTransport();
    transport.start();
    await advance(0);
    await expectRetryDelays([500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000], {
      fail: () => FakeWebSocket.last.drop(),
      tried: () => FakeWebSocket.instances.length,
    });
    transport.close();
  });

  it("applies jitter from the random source to each retry", async () => {
    const randoms = [0.5, 0.2];
    const { transport } = createTransport({
      backoff: { minDelayMs: 1_000, maxDelayMs: 30_000, factor: 2, jitter: 0.5 },
      random: () => randoms.shift() ?? 0,
    });
    transport.start();
    await advance(0);
    FakeWebSocket.last.drop(); // attempt 1: 1000 * (1 - 0.5 * 0.5) = 750
    await advance(749);
    expect(FakeWebSocket.instances).toHaveLength(1);
    await advance(1);
    expect(FakeWebSocket.instances).toHaveLength(2);
    FakeWebSocket.last.drop(); // attempt 2: 2000 * (1 - 0.5 * 0.2) = 1800
    await advance(1_799);
    expect(FakeWebSocket.instances).toHaveLength(2);
    await advance(1);
    expect(FakeWebSocket.instances).toHaveLength(3);
    transport.close();
  });

  it("resets the retry counter only after the connection stayed up minUptimeMs", async () => {
    const { transport } = createTransport({
      minUptimeMs: 5_000,
      backoff: { minDelayMs: 1_000, maxDelayMs: 60_000, factor: 2, jitter: 0 },
    });
    transport.start();
    await advance(0);
    FakeWebSocket.last.drop();
    await advance(1_000); // attempt 1
    FakeWebSocket.last.accept();
    await advance(4_999); // up, but not long enough
    FakeWebSocket.last.drop();
    await advance(1_999);
    expect(FakeWebSocket.instances).toHaveLength(2);
    await advance(1); // attempt 2: 2000 ms — the flap did not reset the backoff
    expect(FakeWebSocket.instances).toHaveLength(3);
    FakeWebSocket.last.accept();
    await advance(5_000); // stable now
    FakeWebSocket.last.drop();
    await advance(1_000); // back to attempt 1
    expect(FakeWebSocket.instances).toHaveLength(4);
    transport.close();
  });

  it("queues frames while down, bounded, and flushes them in order after the open listeners", async () => {
    const { transport } = createTransport({ maxQueuedMessages: 2 });
    transport.on("open", () => transport.send("from-open-listener"));
    transport.start();
    expect(transport.send("a")).toBe("queued");
    expect(transport.send("b")).toBe("queued");
    expect(() => transport.send("c")).toThrow(SendQueueFullError);
    await advance(0);
    FakeWebSocket.last.accept();
    expect(FakeWebSocket.last.sent).toEqual(["from-open-listener", "a", "b"]);
    expect(transport.send("d")).toBe("sent");
    expect(transport.queuedCount).toBe(0);
    transport.close();
  });

  it("sends a heartbeat ping every interval and reconnects when nothing answers", async () => {
    const { transport } = createTransport({
      heartbeat: { intervalMs: 240_000, timeoutMs: 10_000, message: '{"action":"ping"}' },
    });
    transport.start();
    await advance(0);
    const socket = FakeWebSocket.last;
    socket.accept();
    await advance(239_999);
    expect(socket.sent).toEqual([]);
    await advance(1);
    expect(socket.sent).toEqual(['{"action":"ping"}']);
    socket.receive({ type: "pong", seqs: {} });
    await advance(240_000);
    expect(socket.sent).toHaveLength(2);
    await advance(10_000); // no pong this time: half-open connection
    expect(socket.closedWith?.reason).toBe("heartbeat timeout");
    expect(transport.state).toBe("reconnecting");
    await advance(500);
    expect(FakeWebSocket.instances).toHaveLength(2);
    transport.close();
  });

  it("reconnects proactively before API Gateway's 2-hour cap, with a fresh URL", async () => {
    const { transport, urlCalls } = createTransport({ maxConnectionAgeMs: 110 * 60_000 });
    transport.start();
    await advance(0);
    const first = FakeWebSocket.last;
    first.accept();
    await advance(110 * 60_000 - 1);
    expect(first.closedWith).toBeUndefined();
    await advance(1);
    expect(first.closedWith?.reason).toBe("max connection age");
    await advance(1); // a 0 ms timer, as setTimeout fires it
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(urlCalls.at(-1)).toEqual({ attempt: 0, reason: "max-age" });
    expect(FakeWebSocket.last.ticket).toBe("t2");
    transport.close();
  });

  it("spreads max-age reconnects by up to maxConnectionAgeJitterMs", async () => {
    const { transport } = createTransport({
      maxConnectionAgeMs: 110 * 60_000,
      maxConnectionAgeJitterMs: 5 * 60_000,
      random: () => 0.5, // this connection goes 2.5 min early
    });
    transport.start();
    await advance(0);
    const first = FakeWebSocket.last;
    first.accept();
    await advance(107.5 * 60_000 - 1);
    expect(first.closedWith).toBeUndefined();
    await advance(1);
    expect(first.closedWith?.reason).toBe("max connection age");
    transport.close();
  });

  it("probes a connection on demand and reconnects when the probe goes unanswered", async () => {
    const { transport } = createTransport({
      heartbeat: { intervalMs: 240_000, timeoutMs: 5_000, message: '{"action":"ping"}' },
    });
    transport.start();
    await advance(0);
    const socket = FakeWebSocket.last;
    socket.accept();
    transport.probe(); // e.g. the tab became visible again after the phone slept
    expect(socket.sent).toEqual(['{"action":"ping"}']);
    socket.receive({ type: "pong", seqs: {} });
    await advance(5_000);
    expect(socket.closedWith).toBeUndefined();
    transport.probe();
    await advance(5_000);
    expect(socket.closedWith?.reason).toBe("heartbeat timeout");
    transport.close();
  });

  it("abandons an attempt that does not open in time and retries", async () => {
    const { transport } = createTransport({ connectTimeoutMs: 3_000 });
    transport.start();
    await advance(0);
    const stuck = FakeWebSocket.last;
    await advance(3_000);
    expect(stuck.closedWith?.reason).toBe("connect timeout");
    await advance(500);
    expect(FakeWebSocket.instances).toHaveLength(2);
    transport.close();
  });

  it("counts a failing URL provider (no ticket: the API or the token refresh failed) as a failed attempt", async () => {
    let calls = 0;
    const { transport } = createTransport({
      url: async () => {
        calls += 1;
        if (calls === 1) throw new Error("ticket endpoint down");
        return "ws://gateway.test/local?ticket=ok";
      },
    });
    transport.start();
    await advance(0);
    expect(FakeWebSocket.instances).toHaveLength(0);
    await advance(500);
    expect(FakeWebSocket.last.ticket).toBe("ok");
    transport.close();
  });

  it("parks while the network is offline and connects at once when it returns", async () => {
    let online = true;
    let notify: (online: boolean) => void = () => {};
    const network: NetworkSignal = {
      isOnline: () => online,
      subscribe: (listener) => {
        notify = listener;
        return () => {};
      },
    };
    const { transport, states } = createTransport({ network });
    transport.start();
    await advance(0);
    FakeWebSocket.last.accept();
    online = false;
    notify(false);
    expect(transport.state).toBe("offline");
    await advance(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    online = true;
    notify(true);
    expect(transport.state).toBe("reconnecting");
    await advance(0);
    FakeWebSocket.last.accept();
    expect(states).toEqual(["connecting", "connected", "offline", "reconnecting", "connected"]);
    transport.close();
  });

  it("gives up after maxRetries and reports offline", async () => {
    const { transport } = createTransport({ maxRetries: 2, backoff: { jitter: 0 } });
    transport.start();
    await advance(0);
    FakeWebSocket.last.drop();
    await advance(500);
    FakeWebSocket.last.drop();
    await advance(1_000);
    FakeWebSocket.last.drop();
    expect(transport.state).toBe("offline");
    await advance(60_000);
    expect(FakeWebSocket.instances).toHaveLength(3);
  });

  it("stops for good on close()", async () => {
    const { transport } = createTransport();
    transport.start();
    await advance(0);
    FakeWebSocket.last.accept();
    transport.close();
    expect(FakeWebSocket.last.closedWith?.code).toBe(1000);
    await advance(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(transport.state).toBe("offline");
  });
});
