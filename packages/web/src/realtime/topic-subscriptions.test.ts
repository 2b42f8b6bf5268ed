import type { Order, OrderEvent } from "@live-orders/core/protocol";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { advance, chatEvent, order, statusEvent } from "../../test/helpers";
import { ServerError } from "./errors";
import { FeedTopic, OrderTopic, type TopicContext } from "./topic-subscriptions";

function context(log: OrderEvent[] = []) {
  const reads: string[] = [];
  const value: TopicContext = {
    eventsSince: async (orderId, since) => {
      reads.push(`${orderId}>${since}`);
      return { events: log.filter((event) => event.orderId === orderId && event.seq > since) };
    },
    delayMs: 400,
    onError: () => {},
    random: () => 0,
  };
  return { value, reads };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("OrderTopic", () => {
  it("re-subscribes with since = the last contiguous seq", () => {
    const seen: number[] = [];
    const topic = new OrderTopic("o1", { since: 2, onEvent: (event) => seen.push(event.seq) }, context().value);
    expect(topic.subscribeFrame("r1")).toEqual({ action: "subscribe", id: "r1", topic: "order:o1", since: 2 });
    topic.receive(chatEvent(3));
    topic.receive(chatEvent(5));
    expect(topic.subscribeFrame("r2")).toEqual({ action: "subscribe", id: "r2", topic: "order:o1", since: 3 });
    expect([seen, topic.lastSeq()]).toEqual([[3], 3]);
  });

  it("reads what the subscribed reply says exists", async () => {
    const { value, reads } = context([chatEvent(1), chatEvent(2)]);
    const seen: number[] = [];
    const topic = new OrderTopic("o1", { onEvent: (event) => seen.push(event.seq) }, value);
    topic.subscribed(2);
    await advance(400);
    expect(reads).toEqual(["o1>0"]);
    expect(seen).toEqual([1, 2]);
  });

  it("passes a refusal to its own onError and delivers nothing once closed", () => {
    const errors: string[] = [];
    const seen: number[] = [];
    const topic = new OrderTopic(
      "o1",
      { onEvent: (event) => seen.push(event.seq), onError: (error) => errors.push(error.code) },
      context().value,
    );
    topic.refused(new ServerError("FORBIDDEN", "no"));
    topic.close();
    topic.receive(chatEvent(1));
    expect([errors, seen]).toEqual([["FORBIDDEN"], []]);
  });
});

describe("FeedTopic", () => {
  const listing = (orders: Order[]) => async () => ({ orders });

  it("subscribes without since, and delivers events only after the listing that follows subscribed", async () => {
    const seen: string[] = [];
    const snapshots: string[][] = [];
    const topic = new FeedTopic(
      "orders",
      {
        onEvent: (event) => seen.push(`${event.orderId}#${event.seq}`),
        onSnapshot: (orders) => snapshots.push(orders.map((each) => each.id)),
      },
      listing([order({ id: "a", seq: 2 })]),
      context().value,
    );
    expect(topic.subscribeFrame("r1")).toEqual({ action: "subscribe", id: "r1", topic: "orders" });
    topic.receive(statusEvent(3, { orderId: "a" }));
    expect(seen).toEqual([]);
    topic.subscribed();
    await advance(0);
    expect(snapshots).toEqual([["a"]]);
    expect(seen).toEqual(["a#3"]);
    expect([topic.lastSeq("a"), topic.lastSeq("unknown"), topic.lastSeq()]).toEqual([3, 0, 0]);
  });

  it("starts the orders of `since` where it says, and holds events again after a lost connection", async () => {
    const { value, reads } = context([statusEvent(2, { orderId: "a" })]);
    const seen: string[] = [];
    const topic = new FeedTopic(
      "orders",
      { since: { a: 1 }, onEvent: (event) => seen.push(`${event.orderId}#${event.seq}`) },
      listing([order({ id: "a", seq: 2 })]),
      value,
    );
    topic.subscribeFrame("r1");
    topic.subscribed();
    await advance(0);
    await advance(400);
    expect(reads).toEqual(["a>1"]);
    topic.connectionLost();
    topic.receive(statusEvent(3, { orderId: "a" }));
    expect(seen).toEqual(["a#2"]);
  });

  it("with followListedOnly, follows listed, known and new orders and drops the rest unread", async () => {
    const { value, reads } = context([statusEvent(2, { orderId: "k" }), statusEvent(3, { orderId: "k" })]);
    const seen: string[] = [];
    const topic = new FeedTopic(
      "customer:alice",
      { followListedOnly: true, onEvent: (event) => seen.push(`${event.orderId}#${event.seq}`) },
      listing([order({ id: "a", seq: 1 })]),
      value,
    );
    topic.subscribeFrame("r1");
    topic.subscribed();
    await advance(0);
    topic.receive(statusEvent(5, { orderId: "unlisted" })); // a page the reader has not loaded
    topic.receive({
      kind: "order.created",
      seq: 1,
      orderId: "n",
      customerId: "alice",
      at: "t",
      order: order({ id: "n" }),
    });
    topic.receive(statusEvent(2, { orderId: "a" }));
    topic.know([order({ id: "k", seq: 1 })]);
    topic.receive(statusEvent(3, { orderId: "k" }));
    await advance(400);
    expect(seen.sort()).toEqual(["a#2", "k#2", "k#3", "n#1"]);
    expect(reads).toEqual(["k>1"]);
  });

  it("reads a failed listing again at once on retryListing", async () => {
    let fail = true;
    const errors: string[] = [];
    const snapshots: string[][] = [];
    const topic = new FeedTopic(
      "orders",
      {
        onEvent: () => {},
        onSnapshot: (orders) => snapshots.push(orders.map((each) => each.id)),
        onListingError: (error) => errors.push(error.message),
      },
      async () => {
        if (fail) throw new Error("offline");
        return { orders: [order({ id: "a" })] };
      },
      context().value,
    );
    topic.subscribeFrame("r1");
    topic.subscribed();
    await advance(0);
    expect(errors).toEqual(["offline"]);
    fail = false;
    topic.retryListing();
    await advance(0);
    expect(snapshots).toEqual([["a"]]);
  });
});
