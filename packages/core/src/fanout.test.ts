import { describe, expect, it } from "vitest";
import type { ConnectionsApi } from "./connections-api";
import { fanOut, fanOutEvent, isRetryable, topicsOfEvent } from "./fanout";
import type { OrderEvent, ServerFrame, Topic } from "./protocol";
import { RetryPolicy } from "./retry";

/** In-memory stand-in for the `@connections` port (unit level only): scripted failures per connection. */
class FakeManagementApi implements ConnectionsApi {
  readonly posts: { connectionId: string; frame: ServerFrame }[] = [];
  readonly attempts = new Map<string, number>();
  inFlight = 0;
  maxInFlight = 0;

  constructor(private readonly failures: Record<string, (attempt: number) => unknown> = {}) {}

  async post(connectionId: string, data: Uint8Array): Promise<void> {
    const attempt = (this.attempts.get(connectionId) ?? 0) + 1;
    this.attempts.set(connectionId, attempt);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, 1));
      const failure = this.failures[connectionId]?.(attempt);
      if (failure !== undefined) throw failure;
      this.posts.push({ connectionId, frame: JSON.parse(new TextDecoder().decode(data)) });
    } finally {
      this.inFlight -= 1;
    }
  }

  async delete(): Promise<void> {}
}

const sdkError = (name: string, httpStatusCode?: number) =>
  Object.assign(new Error(name), { name, $metadata: httpStatusCode === undefined ? {} : { httpStatusCode } });

function pages(...ids: string[][]) {
  return async function* () {
    for (const page of ids) yield page;
  };
}

const frame: ServerFrame = { type: "pong", seqs: {} };

describe("fanOut", () => {
  it("delivers to every subscriber across pages with bounded concurrency", async () => {
    const ids = Array.from({ length: 120 }, (_, i) => `c${i}`);
    const api = new FakeManagementApi();
    const counts = await fanOut(api, "orders", frame, {
      subscribers: pages(ids.slice(0, 50), ids.slice(50)),
      onGone: async () => undefined,
      concurrency: 8,
    });
    expect(counts).toEqual({ topic: "orders", subscribers: 120, delivered: 120, gone: 0, dropped: 0, failed: 0 });
    expect(new Set(api.posts.map((p) => p.connectionId))).toEqual(new Set(ids));
    expect(api.maxInFlight).toBeLessThanOrEqual(8);
  });

  it("keeps the pool full across page boundaries: the next page is read while this one is posted", async () => {
    const api = new FakeManagementApi();
    const inFlightAtPageRead: number[] = [];
    async function* slowPages() {
      for (let page = 0; page < 4; page++) {
        inFlightAtPageRead.push(api.inFlight);
        yield Array.from({ length: 5 }, (_, i) => `p${page}-${i}`);
      }
    }

    const counts = await fanOut(api, "orders", frame, {
      subscribers: slowPages,
      onGone: async () => undefined,
      concurrency: 8,
    });

    expect(counts.delivered).toBe(20);
    // Pages after the first were asked for while posts were in flight, and the pool ran 8 wide
    // although no page holds 8 subscribers.
    expect(inFlightAtPageRead.slice(1).some((n) => n > 0)).toBe(true);
    expect(api.maxInFlight).toBe(8);
  });

  it("fails when a page cannot be read, after the posts already started", async () => {
    const api = new FakeManagementApi();
    async function* failing() {
      yield ["a", "b"];
      throw new Error("ProvisionedThroughputExceededException");
    }

    await expect(fanOut(api, "orders", frame, { subscribers: failing, onGone: async () => undefined })).rejects.toThrow(
      "ProvisionedThroughputExceededException",
    );
    expect(api.posts.map((p) => p.connectionId).sort()).toEqual(["a", "b"]);
  });

  it("removes exactly the connection that answered GoneException, and still serves the rest", async () => {
    const api = new FakeManagementApi({ stale: () => sdkError("GoneException", 410) });
    const removed: string[] = [];
    const counts = await fanOut(api, "order:o1", frame, {
      subscribers: pages(["a", "stale", "b"]),
      onGone: async (id) => removed.push(id),
    });
    expect(removed).toEqual(["stale"]);
    expect(counts).toMatchObject({ delivered: 2, gone: 1, failed: 0 });
  });

  it("fails (never drops) a post refused for our credentials or permissions, without retrying the post", async () => {
    const api = new FakeManagementApi({
      forbidden: () => sdkError("ForbiddenException", 403),
      signature: () => sdkError("InvalidSignatureException", 403),
      big: () => sdkError("PayloadTooLargeException", 413),
    });
    const outcomes: string[] = [];
    const counts = await fanOut(api, "orders", frame, {
      subscribers: pages(["forbidden", "signature", "big", "ok"]),
      onGone: async () => undefined,
      onFailure: (id, _error, outcome) => outcomes.push(`${id}:${outcome}`),
    });
    expect(counts).toMatchObject({ delivered: 1, failed: 2, dropped: 1, gone: 0 });
    expect(outcomes.sort()).toEqual(["big:dropped", "forbidden:failed", "signature:failed"]);
    expect(api.attempts.get("forbidden")).toBe(1);
    expect(api.attempts.get("signature")).toBe(1);
  });

  it("recognises Gone by name, not by a statusCode property SDK v3 never sets", async () => {
    const notGone = Object.assign(new Error("x"), {
      statusCode: 410,
      name: "BadRequestException",
      $metadata: { httpStatusCode: 400 },
    });
    const api = new FakeManagementApi({ c: () => notGone });
    const removed: string[] = [];
    const counts = await fanOut(api, "orders", frame, {
      subscribers: pages(["c"]),
      onGone: async (id) => removed.push(id),
    });
    expect(removed).toEqual([]);
    expect(counts).toMatchObject({ dropped: 1, gone: 0 });
  });

  it("retries throttling and server errors with backoff, then succeeds", async () => {
    const api = new FakeManagementApi({
      flaky: (attempt) => (attempt < 3 ? sdkError("LimitExceededException", 429) : undefined),
    });
    const counts = await fanOut(api, "orders", frame, {
      subscribers: pages(["flaky", "ok"]),
      onGone: async () => undefined,
      policy: { ...RetryPolicy.fanOutPost, minDelayMs: 1 },
    });
    expect(api.attempts.get("flaky")).toBe(3);
    expect(counts).toMatchObject({ delivered: 2, failed: 0 });
  });

  it("counts a connection still failing after every attempt as failed without failing the others", async () => {
    const api = new FakeManagementApi({ down: () => sdkError("InternalServerErrorException", 500) });
    const failures: string[] = [];
    const counts = await fanOut(api, "orders", frame, {
      subscribers: pages(["down", "x", "y"]),
      onGone: async () => undefined,
      policy: { ...RetryPolicy.fanOutPost, minDelayMs: 1, attempts: 3 },
      onFailure: (id, _error, outcome) => failures.push(`${id}:${outcome}`),
    });
    expect(api.attempts.get("down")).toBe(3);
    expect(counts).toMatchObject({ delivered: 2, failed: 1 });
    expect(failures).toEqual(["down:failed"]);
  });

  it("survives a failing cleanup of a gone connection", async () => {
    const api = new FakeManagementApi({ stale: () => sdkError("GoneException", 410) });
    const counts = await fanOut(api, "orders", frame, {
      subscribers: pages(["stale", "ok"]),
      onGone: async () => {
        throw new Error("table unavailable");
      },
    });
    expect(counts).toMatchObject({ delivered: 1, gone: 1 });
  });
});

describe("fanOutEvent", () => {
  it("sends an order event to its order topic, the staff feed and its customer's feed with the order's seq", async () => {
    const event: OrderEvent = {
      kind: "chat.message",
      seq: 7,
      orderId: "o1",
      customerId: "alice",
      at: "2026-01-01T00:00:00.000Z",
      messageId: "m",
      clientMessageId: "c",
      text: "hi",
      from: { userId: "u", role: "customer" },
    };
    expect(topicsOfEvent(event)).toEqual(["order:o1", "orders", "customer:alice"]);
    const api = new FakeManagementApi();
    const byTopic: Record<string, string[]> = { "order:o1": ["room"], orders: ["board"], "customer:alice": ["home"] };
    await fanOutEvent(api, event, {
      subscribers: (topic: Topic) => pages(byTopic[topic] ?? [])(),
      onGone: async () => undefined,
    });
    expect(api.posts.sort((a, b) => a.connectionId.localeCompare(b.connectionId))).toEqual([
      { connectionId: "board", frame: { type: "event", topic: "orders", seq: 7, event } },
      { connectionId: "home", frame: { type: "event", topic: "customer:alice", seq: 7, event } },
      { connectionId: "room", frame: { type: "event", topic: "order:o1", seq: 7, event } },
    ]);
  });
});

describe("isRetryable", () => {
  it("retries throttling, 5xx and network errors only", () => {
    expect(isRetryable(sdkError("LimitExceededException", 429))).toBe(true);
    expect(isRetryable(sdkError("InternalServerError", 503))).toBe(true);
    expect(isRetryable(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }))).toBe(true);
    expect(isRetryable(sdkError("PayloadTooLargeException", 413))).toBe(false);
    expect(isRetryable(sdkError("ForbiddenException", 403))).toBe(false);
  });
});
