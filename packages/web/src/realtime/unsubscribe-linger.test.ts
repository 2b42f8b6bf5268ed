import type { Topic } from "@live-orders/core/protocol";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { UnsubscribeLinger } from "./unsubscribe-linger";

function setup() {
  const held = new Set<Topic>();
  const state = { open: true };
  const sent: Topic[] = [];
  const confirmed: Topic[] = [];
  const linger = new UnsubscribeLinger({
    lingerMs: 1_000,
    stillWanted: (topic) => !held.has(topic) && state.open,
    send: (topic) => sent.push(topic),
    confirmed: (topic) => confirmed.push(topic),
  });
  return { linger, held, state, sent, confirmed };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("UnsubscribeLinger", () => {
  it("sends the unsubscribe once the linger is over, once per topic", () => {
    const { linger, sent } = setup();
    linger.start("order:o1");
    linger.start("order:o1");
    vi.advanceTimersByTime(999);
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual(["order:o1"]);
  });

  it("lets a subscribe within the linger through and never sends the unsubscribe", () => {
    const { linger, sent } = setup();
    linger.start("order:o1");
    expect(linger.maySubscribe("order:o1")).toBe(true);
    vi.advanceTimersByTime(5_000);
    expect(sent).toEqual([]);
  });

  it("sends nothing when the topic is held again or the connection went meanwhile", () => {
    const { linger, held, state, sent } = setup();
    linger.start("order:o1");
    held.add("order:o1");
    linger.start("orders");
    state.open = false;
    vi.advanceTimersByTime(1_000);
    expect(sent).toEqual([]);
    expect(linger.maySubscribe("order:o1")).toBe(true);
  });

  it("holds a subscribe while the unsubscribe is in flight, until it is settled", () => {
    const { linger, confirmed } = setup();
    linger.start("order:o1");
    vi.advanceTimersByTime(1_000);
    expect(linger.maySubscribe("order:o1")).toBe(false);
    expect(linger.maySubscribe("order:o2")).toBe(true);
    linger.settle("order:o1");
    expect(confirmed).toEqual(["order:o1"]);
    expect(linger.maySubscribe("order:o1")).toBe(true);
  });

  it("ignores a settle for an unsubscribe that is not in flight", () => {
    const { linger, confirmed } = setup();
    linger.settle("order:o1");
    linger.start("order:o1");
    linger.settle("order:o1"); // still lingering: nothing was sent
    expect(confirmed).toEqual([]);
  });

  it("forgets everything on clear: no late unsubscribe, no subscribe held", () => {
    const { linger, sent } = setup();
    linger.start("order:o1");
    linger.start("orders");
    vi.advanceTimersByTime(1_000);
    linger.start("order:o2");
    linger.clear();
    vi.advanceTimersByTime(5_000);
    expect(sent).toEqual(["order:o1", "orders"]);
    expect(linger.maySubscribe("order:o1")).toBe(true);
  });
});
