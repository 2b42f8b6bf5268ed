import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { advance, expectRetryDelays } from "../../test/helpers";
import { ChatSender } from "./chat-sender";
import { SendQueueFullError, ServerError } from "./errors";
import { Requests } from "./requests";

/** The transport as the sender sees it: open or down (queueing up to a bound), and its generation. */
class FakeTransport {
  open = true;
  generation = 1;
  sent: Array<Record<string, unknown>> = [];
  queued: Array<Record<string, unknown>> = [];
  queueLimit = 10;
  send(data: string): "sent" | "queued" {
    const frame = JSON.parse(data) as Record<string, unknown>;
    if (this.open) {
      this.sent.push(frame);
      return "sent";
    }
    if (this.queued.length >= this.queueLimit) throw new SendQueueFullError(this.queueLimit);
    this.queued.push(frame);
    return "queued";
  }
  /** A new connection: what was queued goes out (after the sender's `connected`, as the real one does). */
  reopen(sender: ChatSender): void {
    this.open = true;
    this.generation += 1;
    sender.connected(this.generation);
    this.sent.push(...this.queued);
    this.queued = [];
  }
}

function setup(options: { ackTimeoutMs?: number; maxSendAttempts?: number } = {}) {
  const transport = new FakeTransport();
  const requests = new Requests();
  const sender = new ChatSender({
    transport,
    requests,
    ackTimeoutMs: options.ackTimeoutMs ?? 10_000,
    maxSendAttempts: options.maxSendAttempts ?? 3,
    random: () => 0,
  });
  return { transport, requests, sender };
}

const ids = (frames: Array<Record<string, unknown>>) => frames.map((frame) => `${frame.id}:${frame.clientMessageId}`);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("ChatSender", () => {
  it("sends a sendMessage frame with a request id and resolves on its ack", async () => {
    const { transport, requests, sender } = setup();
    const sent = sender.send("o1", "hello", "m1");
    expect(transport.sent).toEqual([
      { action: "sendMessage", id: "r1", orderId: "o1", text: "hello", clientMessageId: "m1" },
    ]);
    expect(requests.take("r1")).toEqual({ kind: "send", clientMessageId: "m1" });
    sender.acknowledged("m1", 7);
    await expect(sent).resolves.toEqual({ seq: 7, clientMessageId: "m1" });
  });

  it("sends again with the same clientMessageId after each ack timeout, then gives up", async () => {
    const { transport, sender } = setup({ ackTimeoutMs: 1_000, maxSendAttempts: 3 });
    const outcome = sender.send("o1", "hello", "m1").catch((error: Error) => error);
    await advance(999);
    expect(transport.sent).toHaveLength(1);
    await advance(1);
    expect(ids(transport.sent)).toEqual(["r1:m1", "r2:m1"]);
    await advance(1_000);
    await advance(1_000);
    expect(ids(transport.sent)).toEqual(["r1:m1", "r2:m1", "r3:m1"]);
    expect(await outcome).toMatchObject({ name: "RequestTimeoutError" });
  });

  it("retries a refusal for now with RetryPolicy.refusedRequest's delays, then rejects with the refusal", async () => {
    const { transport, sender } = setup({ maxSendAttempts: 3 });
    const outcome = sender.send("o1", "hello", "m1").catch((error: Error) => error);
    const slowDown = new ServerError("RATE_LIMITED", "slow down");
    await expectRetryDelays([1_000, 2_000], {
      fail: () => expect(sender.refused("m1", slowDown)).toBe(true),
      tried: () => transport.sent.length,
    });
    expect(sender.refused("m1", slowDown)).toBe(true);
    expect(await outcome).toBe(slowDown);
    expect(new Set(transport.sent.map((frame) => frame.clientMessageId))).toEqual(new Set(["m1"]));
  });

  it("rejects a refusal for good at once, and says so only for a message still waiting", async () => {
    const { sender } = setup();
    const sent = sender.send("o1", "x".repeat(5_000), "m1");
    const tooLarge = new ServerError("PAYLOAD_TOO_LARGE", "text too long");
    expect(sender.refused("m1", tooLarge)).toBe(true);
    await expect(sent).rejects.toBe(tooLarge);
    expect(sender.refused("m1", tooLarge)).toBe(false);
  });

  it("sends again what went out on a connection that died, and times what sat in the queue from the open", async () => {
    const { transport, sender } = setup({ ackTimeoutMs: 1_000 });
    const first = sender.send("o1", "before the drop", "m1");
    transport.open = false;
    sender.disconnected();
    const second = sender.send("o1", "while down", "m2");
    await advance(5_000); // no ack timers while down
    expect(ids(transport.sent)).toEqual(["r1:m1"]);
    transport.reopen(sender);
    expect(ids(transport.sent)).toEqual(["r1:m1", "r3:m1", "r2:m2"]);
    sender.acknowledged("m1", 4);
    await advance(1_000); // m2's ack timer started at the open
    expect(ids(transport.sent)).toEqual(["r1:m1", "r3:m1", "r2:m2", "r4:m2"]);
    sender.acknowledged("m2", 5);
    await expect(first).resolves.toEqual({ seq: 4, clientMessageId: "m1" });
    await expect(second).resolves.toEqual({ seq: 5, clientMessageId: "m2" });
  });

  it("fails a send the full queue cannot take, and forgets its request id", async () => {
    const { transport, requests, sender } = setup();
    transport.open = false;
    transport.queueLimit = 0;
    await expect(sender.send("o1", "one", "m1")).rejects.toBeInstanceOf(SendQueueFullError);
    expect(requests.take("r1")).toBeUndefined();
  });

  it("rejects what is waiting, and every later send, once closed", async () => {
    const { sender } = setup();
    const waiting = sender.send("o1", "hello", "m1");
    sender.close();
    await expect(waiting).rejects.toMatchObject({ name: "ClientClosedError" });
    await expect(sender.send("o1", "again", "m2")).rejects.toMatchObject({ name: "ClientClosedError" });
    await advance(60_000);
  });
});
