import type { Order, OrderEvent } from "@live-orders/core/protocol";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { advance, expectRetryDelays, order, statusEvent } from "../../test/helpers";
import { FeedCatchUp, type ListOrdersPage, maxCatchUpPages } from "./feed-catch-up";
import { GapFiller } from "./gap-filler";

function setup(options: { pages?: Order[][]; failListings?: number; log?: OrderEvent[] } = {}) {
  const pages = options.pages ?? [[]];
  let failuresLeft = options.failListings ?? 0;
  const delivered: string[] = [];
  const listings: Array<string | undefined> = [];
  const reads: string[] = [];
  const snapshots: string[][] = [];
  const errors: string[] = [];
  const filler = new GapFiller({
    eventsSince: async (orderId, since) => {
      reads.push(`${orderId}>${since}`);
      return { events: (options.log ?? []).filter((event) => event.orderId === orderId && event.seq > since) };
    },
    deliver: (event) => delivered.push(`${event.orderId}#${event.seq}`),
    delayMs: 400,
    onError: (error) => errors.push(error.message),
    random: () => 0,
  });
  const listOrders: ListOrdersPage = async (cursor) => {
    listings.push(cursor);
    if (failuresLeft > 0) {
      failuresLeft -= 1;
      throw new Error("503 from the HTTP API");
    }
    const index = cursor ? Number(cursor) : 0;
    const next = index + 1 < pages.length ? String(index + 1) : undefined;
    return { orders: pages[index] ?? [], ...(next ? { cursor: next } : {}) };
  };
  const catchUp = new FeedCatchUp({
    filler,
    listOrders,
    onSnapshot: (orders) => snapshots.push(orders.map((each) => each.id)),
    onError: (error) => errors.push(error.message),
    random: () => 0,
  });
  return { catchUp, filler, delivered, listings, reads, snapshots, errors, pages };
}

const o = (id: string, seq: number) => order({ id, seq });
const status = (orderId: string, seq: number) => statusEvent(seq, { orderId });

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("FeedCatchUp", () => {
  it("holds events until the listing is in, then delivers only what is newer than it", async () => {
    const { catchUp, delivered, snapshots } = setup({ pages: [[o("a", 2), o("b", 1)]] });
    catchUp.hold();
    catchUp.start();
    catchUp.accept(status("a", 2)); // in the listing already
    catchUp.accept(status("a", 3));
    expect(delivered).toEqual([]);
    await advance(0);
    expect(snapshots).toEqual([["a", "b"]]);
    expect(delivered).toEqual(["a#3"]);
    catchUp.accept(status("b", 2));
    expect(delivered).toEqual(["a#3", "b#2"]);
  });

  it("baselines from the first listing; a later one starts orders it had not seen from seq 1", async () => {
    const { catchUp, pages, reads, delivered } = setup({
      pages: [[o("a", 1)]],
      log: [status("a", 2), status("c", 1), status("c", 2)],
    });
    catchUp.hold();
    catchUp.start();
    await advance(0);
    catchUp.hold(); // reconnected and subscribing again
    pages[0] = [o("c", 2), o("a", 2)];
    catchUp.start();
    await advance(0);
    await advance(400);
    expect(reads.sort()).toEqual(["a>1", "c>0"]);
    expect(delivered.sort()).toEqual(["a#2", "c#1", "c#2"]);
  });

  it("reads every page of the listing by its cursor, up to maxCatchUpPages", async () => {
    const many = Array.from({ length: maxCatchUpPages + 5 }, (_, index) => [o(`o${index}`, 1)]);
    const { catchUp, listings, snapshots } = setup({ pages: many });
    catchUp.start();
    await advance(0);
    expect(listings).toEqual([
      undefined,
      ...Array.from({ length: maxCatchUpPages - 1 }, (_, index) => String(index + 1)),
    ]);
    expect(snapshots[0]).toHaveLength(maxCatchUpPages);
  });

  it("reads a failed listing again with RetryPolicy.backgroundRead's delays (expected-delay table)", async () => {
    const { catchUp, listings, errors, snapshots } = setup({ pages: [[o("a", 1)]], failListings: 5 });
    catchUp.start();
    await advance(0);
    await expectRetryDelays([2_000, 4_000, 8_000, 16_000, 30_000], { tried: () => listings.length });
    expect(errors).toHaveLength(5);
    expect(snapshots).toEqual([["a"]]);
  });

  it("drops a catch-up that a new round or close made stale", async () => {
    const { catchUp, listings, snapshots } = setup({ pages: [[o("a", 1)]], failListings: 1 });
    catchUp.start();
    await advance(0);
    catchUp.hold(); // the connection went: the retry waiting belongs to a dead round
    await advance(60_000);
    expect(listings).toHaveLength(1);

    catchUp.start();
    catchUp.hold(); // subscribing again while the listing is read
    await advance(0);
    expect(snapshots).toEqual([]);

    catchUp.start();
    catchUp.close();
    await advance(0);
    expect(snapshots).toEqual([]);
  });

  it("reads the listing once per round however many subscribed replies come", async () => {
    const { catchUp, listings, snapshots } = setup({ pages: [[o("a", 1)]] });
    catchUp.hold();
    catchUp.start();
    catchUp.start(); // the reply to a second subscribe of the same topic
    await advance(0);
    expect([listings.length, snapshots.length]).toEqual([1, 1]);
    catchUp.hold(); // a new connection: a new round, a new listing
    catchUp.start();
    await advance(0);
    expect(listings).toHaveLength(2);
  });
});
