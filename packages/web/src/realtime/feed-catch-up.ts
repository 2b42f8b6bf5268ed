/**
 * The catch-up of a feed topic (`orders`, and `customer:{id}` alike). A feed has no feed-wide
 * seq and no `since` (SPEC §4): after every (re)subscribe the client reads the listing
 * (`GET /orders`, where every order carries its `seq`), sets or advances each order's head in
 * the gap filler, which then reads `GET /orders/{id}/events?since=` where it is behind. Events
 * that arrive before the listing is in wait for it, so that the listing decides where a new
 * order starts.
 */
import type { Order, OrderEvent } from "@live-orders/core/protocol";
import { backoffDelay, RetryPolicy } from "@live-orders/core/retry";
import type { GapFiller } from "./gap-filler";

export type ListOrdersPage = (cursor: string | undefined) => Promise<{ orders: Order[]; cursor?: string }>;

export interface FeedCatchUpOptions {
  filler: GapFiller;
  /** One page of the listing that covers the feed's orders. */
  listOrders: ListOrdersPage;
  /** The fresh listing after each (re)subscribe, before the held events are delivered. */
  onSnapshot?: (orders: Order[]) => void;
  /** A failed listing; it is read again after RetryPolicy.backgroundRead's delay. */
  onError: (error: Error) => void;
  /** Source of the retry jitter, [0, 1). */
  random?: () => number;
  /** Whether an event concerns the feed's reader; others are dropped (all by default). */
  follows?: (event: OrderEvent) => boolean;
}

/** Events held while a listing is read; beyond this the oldest go (the gap filler recovers them). */
export const feedHoldLimit = 10_000;
/** Pages of the listing read per catch-up at most. */
export const maxCatchUpPages = 50;

export class FeedCatchUp {
  #options: FeedCatchUpOptions;
  /** Events that arrived before this round's listing; null once it is in. */
  #held: OrderEvent[] | null = [];
  /** The first listing is the baseline: its orders' history is in the snapshot. */
  #baselined = false;
  /** Bumped per (re)subscribe and per lost connection, so a stale catch-up is dropped. */
  #round = 0;
  #retryTimer?: ReturnType<typeof setTimeout>;
  /** The round whose catch-up has started: a second `subscribed` in one round adds nothing. */
  #startedRound = -1;
  /** The round whose listing failed and waits for its retry (undefined: none waits). */
  #failed?: { round: number; failures: number };
  #closed = false;

  constructor(options: FeedCatchUpOptions) {
    this.#options = options;
  }

  /** A subscribe is going out, or the connection is gone: hold events for the next listing. */
  hold(): void {
    this.#round += 1;
    this.#held = [];
    this.#failed = undefined;
    clearTimeout(this.#retryTimer);
  }

  /**
   * The server confirmed the subscription: read the listing, then release what was held. Once
   * per round: the first `subscribed` already proves the subscription is written (a repeated
   * subscribe of the same topic, e.g. a screen that mounted twice, writes the same item).
   */
  start(): void {
    if (this.#startedRound === this.#round) return;
    this.#startedRound = this.#round;
    void this.#catchUp(this.#round, 0);
  }

  accept(event: OrderEvent): void {
    if (this.#held) {
      if (this.#held.length >= feedHoldLimit) this.#held.shift();
      this.#held.push(event);
      return;
    }
    this.#deliver(event);
  }

  /** A failed listing waiting for its retry is read again now (a person pressed "Retry"). */
  retryNow(): void {
    const failed = this.#failed;
    if (failed === undefined || this.#closed || failed.round !== this.#round) return;
    clearTimeout(this.#retryTimer);
    this.#failed = undefined;
    void this.#catchUp(failed.round, failed.failures);
  }

  #deliver(event: OrderEvent): void {
    if (this.#options.follows?.(event) === false) return;
    this.#options.filler.accept(event.orderId, event);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
  }

  async #catchUp(round: number, failures: number): Promise<void> {
    const live = () => !this.#closed && this.#round === round;
    let orders: Order[];
    try {
      orders = await this.#readListing(live);
    } catch (error) {
      if (!live()) return;
      this.#options.onError(error as Error);
      const delay = backoffDelay(failures + 1, RetryPolicy.backgroundRead, this.#options.random);
      this.#failed = { round, failures: failures + 1 };
      this.#retryTimer = setTimeout(() => {
        this.#failed = undefined;
        void this.#catchUp(round, failures + 1);
      }, delay);
      return;
    }
    if (!live()) return;
    const { filler } = this.#options;
    for (const order of orders) {
      // First listing: the history is in the snapshot. Later: an order created while we were
      // away, so every one of its events is news, from 1.
      filler.track(order.id, this.#baselined ? 0 : order.seq);
      filler.noteHead(order.id, order.seq);
    }
    this.#baselined = true;
    this.#options.onSnapshot?.(orders);
    const held = this.#held ?? [];
    this.#held = null;
    for (const event of held) this.#deliver(event);
  }

  async #readListing(live: () => boolean): Promise<Order[]> {
    const orders: Order[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < maxCatchUpPages; page++) {
      const result = await this.#options.listOrders(cursor);
      orders.push(...result.orders);
      cursor = result.cursor;
      if (!cursor || !live()) break;
    }
    return orders;
  }
}
