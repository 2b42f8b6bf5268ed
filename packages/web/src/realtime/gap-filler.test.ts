import type { OrderEvent } from "@live-orders/core/protocol";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { advance, chatEvent, expectRetryDelays } from "../../test/helpers";
import { GapFiller } from "./gap-filler";

/** A gap filler over an in-memory log; records deliveries, reads and errors. */
function setup(options: { log?: OrderEvent[]; failReads?: number; random?: () => number; pageSize?: number } = {}) {
  const log = options.log ?? [];
  let failuresLeft = options.failReads ?? 0;
  const delivered: string[] = [];
  const reads: string[] = [];
  const errors: string[] = [];
  const filler = new GapFiller({
    eventsSince: async (orderId, since) => {
      reads.push(`${orderId}>${since}`);
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        throw new Error("503 from the HTTP API");
      }
      const after = log.filter((event) => event.orderId === orderId && event.seq > since);
      const page = after.slice(0, options.pageSize ?? after.length);
      return page.length < after.length ? { events: page, cursor: "more" } : { events: page };
    },
    deliver: (event) => delivered.push(`${event.orderId}#${event.seq}`),
    delayMs: 400,
    onError: (error) => errors.push(error.message),
    random: options.random ?? (() => 0),
  });
  return { filler, delivered, reads, errors };
}

const event = (orderId: string, seq: number) => chatEvent(seq, { orderId });

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("GapFiller", () => {
  it("delivers each order's events once and in seq order, each order on its own", () => {
    const { filler, delivered } = setup();
    filler.track("a", 0);
    for (const [orderId, seq] of [
      ["a", 2],
      ["b", 1],
      ["a", 1],
      ["a", 2],
      ["b", 2],
      ["b", 1],
    ] as const) {
      filler.accept(orderId, event(orderId, seq));
    }
    expect(delivered).toEqual(["b#1", "a#1", "a#2", "b#2"]);
    expect([filler.lastSeq("a"), filler.lastSeq("b"), filler.lastSeq("unknown")]).toEqual([2, 2, 0]);
  });

  it("starts a tracked order after its known seq, and tracking again keeps what was delivered", () => {
    const { filler, delivered } = setup();
    filler.track("a", 5);
    filler.accept("a", event("a", 5));
    filler.accept("a", event("a", 6));
    filler.track("a", 0);
    filler.accept("a", event("a", 6));
    expect(delivered).toEqual(["a#6"]);
    expect(filler.isTracked("a")).toBe(true);
  });

  it("reads a gap that stays open for delayMs, and not one that closes by itself", async () => {
    const { filler, delivered, reads } = setup({ log: [event("a", 1), event("a", 2), event("a", 3)] });
    filler.accept("a", event("a", 1));
    filler.accept("a", event("a", 3));
    await advance(399);
    expect(reads).toEqual([]);
    await advance(1);
    expect(reads).toEqual(["a>1"]);
    expect(delivered).toEqual(["a#1", "a#2", "a#3"]);

    filler.accept("b", event("b", 2));
    filler.accept("b", event("b", 1));
    await advance(5_000);
    expect(reads).toEqual(["a>1"]);
  });

  it("reads what a head says exists when no event brings it", async () => {
    const { filler, delivered, reads } = setup({ log: [event("a", 1), event("a", 2)] });
    filler.track("a", 0);
    filler.noteHead("a", 2);
    await advance(400);
    expect(reads).toEqual(["a>0"]);
    expect(delivered).toEqual(["a#1", "a#2"]);
  });

  it("retries a failed read with RetryPolicy.backgroundRead's delays (expected-delay table)", async () => {
    const { filler, reads, errors, delivered } = setup({ log: [event("a", 1)], failReads: 6 });
    filler.noteHead("a", 1);
    await advance(400);
    expect(reads).toHaveLength(1);
    await expectRetryDelays([2_000, 4_000, 8_000, 16_000, 30_000, 30_000], { tried: () => reads.length });
    expect(errors).toHaveLength(6);
    expect(delivered).toEqual(["a#1"]);
  });

  it("jitters the retry delay from its random source", async () => {
    const { filler, reads } = setup({ log: [event("a", 1)], failReads: 1, random: () => 0.5 });
    filler.noteHead("a", 1);
    await advance(400);
    await advance(1_499); // 2000 * (1 - 0.5 * 0.5) = 1500
    expect(reads).toHaveLength(1);
    await advance(1);
    expect(reads).toHaveLength(2);
  });

  it("after a successful read waits delayMs again, not the retry delay", async () => {
    const { filler, reads } = setup({ log: [event("a", 1)], failReads: 1 });
    filler.noteHead("a", 1);
    await advance(400);
    await advance(2_000); // the retry succeeds
    expect(reads).toHaveLength(2);
    filler.noteHead("a", 3); // more was written meanwhile
    await advance(400);
    expect(reads).toEqual(["a>0", "a>0", "a>1"]);
  });

  it("stops delivering and reading once closed, also from within a delivery", async () => {
    const { filler, delivered, reads } = setup({ log: [event("a", 1), event("a", 2), event("a", 3)] });
    const closing = new GapFiller({
      eventsSince: async () => ({ events: [] }),
      deliver: (arrived) => {
        delivered.push(`closing#${arrived.seq}`);
        closing.close();
      },
      delayMs: 400,
      onError: () => {},
    });
    closing.accept("x", event("x", 2));
    closing.accept("x", event("x", 1));
    expect(delivered).toEqual(["closing#1"]);

    filler.accept("a", event("a", 3));
    filler.close();
    await advance(10_000);
    expect(reads).toEqual([]);
  });

  it("reads page after page of a long gap at once, as the server bounds each page", async () => {
    const log = Array.from({ length: 7 }, (_, index) => event("a", index + 1));
    const { filler, delivered, reads } = setup({ log, pageSize: 3 });
    filler.track("a", 0);
    filler.noteHead("a", 7);
    await advance(400);
    expect(reads).toEqual(["a>0", "a>3", "a>6"]);
    expect(delivered).toEqual(log.map((each) => `a#${each.seq}`));
  });
});
