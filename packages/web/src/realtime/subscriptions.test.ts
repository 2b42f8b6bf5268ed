import type { ClientFrame, OrderEvent, Topic } from "@live-orders/core/protocol";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { chatEvent, expectRetryDelays } from "../../test/helpers";
import { ServerError } from "./errors";
import { Requests } from "./requests";
import { Subscriptions } from "./subscriptions";
import type { TopicSubscription } from "./topic-subscriptions";

/** A topic that records what the held subscriptions asked of it. */
class RecordingTopic implements TopicSubscription {
  calls: string[] = [];
  constructor(readonly topic: Topic) {}
  subscribeFrame(id: string): ClientFrame {
    this.calls.push("subscribeFrame");
    return { action: "subscribe", id, topic: this.topic };
  }
  subscribed(seq: number): void {
    this.calls.push(`subscribed ${seq}`);
  }
  headKnown(seq: number): void {
    this.calls.push(`headKnown ${seq}`);
  }
  receive(event: OrderEvent): void {
    this.calls.push(`receive ${event.seq}`);
  }
  connectionLost(): void {
    this.calls.push("connectionLost");
  }
  refused(error: ServerError): void {
    this.calls.push(`refused ${error.code}`);
  }
  lastSeq(): number {
    return 0;
  }
  close(): void {
    this.calls.push("close");
  }
}

function setup() {
  const transport = {
    isOpen: true,
    frames: [] as Array<Record<string, unknown>>,
    send(data: string): "sent" {
      this.frames.push(JSON.parse(data) as Record<string, unknown>);
      return "sent";
    },
  };
  const requests = new Requests();
  const subscriptions = new Subscriptions({ transport, requests, unsubscribeLingerMs: 1_000, random: () => 0 });
  const actions = () => transport.frames.map((frame) => `${frame.action} ${frame.topic}`);
  return { transport, requests, subscriptions, actions };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("Subscriptions", () => {
  it("subscribes a topic when held while connected, and every held topic on each connection", () => {
    const { transport, requests, subscriptions, actions } = setup();
    transport.isOpen = false;
    subscriptions.hold(new RecordingTopic("order:o1"));
    expect(actions()).toEqual([]);
    transport.isOpen = true;
    subscriptions.connected();
    subscriptions.hold(new RecordingTopic("orders"));
    expect(actions()).toEqual(["subscribe order:o1", "subscribe orders"]);
    expect(requests.take("r1")).toEqual({ kind: "subscribe", topic: "order:o1" });
    subscriptions.disconnected();
    subscriptions.connected();
    expect(actions()).toEqual(["subscribe order:o1", "subscribe orders", "subscribe order:o1", "subscribe orders"]);
  });

  it("routes events and subscribed replies to the topic held, and tells each of a lost connection", () => {
    const { subscriptions } = setup();
    const topic = new RecordingTopic("order:o1");
    subscriptions.hold(topic);
    subscriptions.subscribed("order:o1", 3);
    subscriptions.received("order:o1", chatEvent(4));
    subscriptions.received("order:o2", chatEvent(1));
    subscriptions.disconnected();
    expect(topic.calls).toEqual(["subscribeFrame", "subscribed 3", "receive 4", "connectionLost"]);
  });

  it("replaces an earlier subscription of the same topic without an unsubscribe", () => {
    const { subscriptions, actions } = setup();
    const first = new RecordingTopic("order:o1");
    subscriptions.hold(first);
    const second = new RecordingTopic("order:o1");
    subscriptions.hold(second);
    first.calls.length = 0;
    subscriptions.received("order:o1", chatEvent(1));
    vi.advanceTimersByTime(5_000);
    expect(first.calls).toEqual([]);
    expect(second.calls).toEqual(["subscribeFrame", "receive 1"]);
    expect(actions()).toEqual(["subscribe order:o1", "subscribe order:o1"]);
  });

  it("subscribes again after RetryPolicy.refusedRequest's delays for as long as the server refuses for now", async () => {
    const { subscriptions, actions } = setup();
    const topic = new RecordingTopic("order:o1");
    subscriptions.hold(topic);
    await expectRetryDelays([1_000, 2_000, 4_000, 8_000, 10_000, 10_000], {
      fail: () => expect(subscriptions.refused("order:o1", new ServerError("RATE_LIMITED", "slow down"))).toBe(true),
      tried: () => actions().length,
    });
    subscriptions.subscribed("order:o1", 0); // the count starts over
    subscriptions.refused("order:o1", new ServerError("INTERNAL", "try again"));
    vi.advanceTimersByTime(1_000);
    expect(actions()).toHaveLength(8);
    expect(topic.calls.filter((call) => call.startsWith("refused"))).toEqual([]);
  });

  it("drops a subscription refused for good and tells it; the next connection does not subscribe it", () => {
    const { subscriptions, actions } = setup();
    const topic = new RecordingTopic("order:other");
    subscriptions.hold(topic);
    expect(subscriptions.refused("order:other", new ServerError("NOT_FOUND", "order not found"))).toBe(true);
    expect(topic.calls).toEqual(["subscribeFrame", "close", "refused NOT_FOUND"]);
    subscriptions.connected();
    expect(actions()).toEqual(["subscribe order:other"]);
    expect(subscriptions.refused("order:other", new ServerError("NOT_FOUND", "order not found"))).toBe(false);
  });

  it("unsubscribes after the linger, and holds a re-subscribe until the unsubscribe is settled", () => {
    const { requests, subscriptions, actions } = setup();
    subscriptions.hold(new RecordingTopic("order:o1")).unsubscribe();
    vi.advanceTimersByTime(1_000);
    expect(actions()).toEqual(["subscribe order:o1", "unsubscribe order:o1"]);
    expect(requests.take("r2")).toEqual({ kind: "unsubscribe", topic: "order:o1" });
    subscriptions.hold(new RecordingTopic("order:o1"));
    expect(actions()).toHaveLength(2);
    subscriptions.unsubscribed("order:o1");
    expect(actions()).toEqual(["subscribe order:o1", "unsubscribe order:o1", "subscribe order:o1"]);
  });

  it("an old handle's unsubscribe does not end the subscription that replaced it", () => {
    const { subscriptions, actions } = setup();
    const old = subscriptions.hold(new RecordingTopic("order:o1"));
    const current = new RecordingTopic("order:o1");
    subscriptions.hold(current);
    old.unsubscribe();
    vi.advanceTimersByTime(5_000);
    expect(actions()).toEqual(["subscribe order:o1", "subscribe order:o1"]);
    expect(current.calls).not.toContain("close");
  });

  it("closes every held subscription on close, retries included", () => {
    const { subscriptions, actions } = setup();
    const topic = new RecordingTopic("orders");
    subscriptions.hold(topic);
    subscriptions.refused("orders", new ServerError("RATE_LIMITED", "slow down"));
    subscriptions.close();
    vi.advanceTimersByTime(60_000);
    expect(topic.calls).toEqual(["subscribeFrame", "close"]);
    expect(actions()).toEqual(["subscribe orders"]);
  });
});
