/**
 * Every event of an order exactly once and in `seq` order, whatever the server delivers: one
 * OrderSequence per order id, and `GET /orders/{id}/events?since=` for a gap that does not
 * close by itself. Keyed by order id so that every kind of topic shares it: an `order:` topic
 * tracks one order, a feed (`orders`, `customer:…`) every order it has heard of.
 */
import type { OrderEvent } from "@live-orders/core/protocol";
import { backoffDelay, RetryPolicy } from "@live-orders/core/retry";
import { OrderSequence } from "./order-sequence";

export interface GapFillerOptions {
  /** Reads a page of an order's events after `since` (the REST resume read); `cursor`: more follow. */
  eventsSince: (orderId: string, since: number) => Promise<{ events: OrderEvent[]; cursor?: string }>;
  /** Receives each event once, in `seq` order per order. */
  deliver: (event: OrderEvent) => void;
  /**
   * How long a gap may stay open before it is fetched. Out-of-order arrival usually closes it
   * within milliseconds, so waiting a little saves a request per reorder.
   */
  delayMs: number;
  /** A failed read; it is tried again after RetryPolicy.backgroundRead's delay. */
  onError: (error: Error) => void;
  /** Source of the retry jitter, [0, 1). */
  random?: () => number;
}

interface TrackedOrder {
  orderId: string;
  sequence: OrderSequence;
  timer?: ReturnType<typeof setTimeout>;
  filling: boolean;
  /** Consecutive failed reads: the retry attempt the next delay is for. */
  failures: number;
}

export class GapFiller {
  #options: GapFillerOptions;
  #orders = new Map<string, TrackedOrder>();
  #closed = false;

  constructor(options: GapFillerOptions) {
    this.#options = options;
  }

  /** Starts following an order whose events up to `lastSeq` are known; no-op if followed. */
  track(orderId: string, lastSeq: number): void {
    if (!this.#orders.has(orderId)) {
      this.#orders.set(orderId, { orderId, sequence: new OrderSequence(lastSeq), filling: false, failures: 0 });
    }
  }

  isTracked(orderId: string): boolean {
    return this.#orders.has(orderId);
  }

  /** The last seq delivered without a gap (0 for an order not followed). */
  lastSeq(orderId: string): number {
    return this.#orders.get(orderId)?.sequence.lastSeq ?? 0;
  }

  /** Events up to `seq` exist (a `subscribed` reply, a listing): fetched unless they arrive. */
  noteHead(orderId: string, seq: number): void {
    const order = this.#order(orderId);
    order.sequence.noteHead(seq);
    this.#schedule(order);
  }

  /** One arrived event of `orderId`; an order not followed yet starts from its beginning. */
  accept(orderId: string, event: OrderEvent): void {
    const order = this.#order(orderId);
    this.#deliver(order.sequence.accept(event));
    this.#schedule(order);
  }

  /** No more deliveries or reads, also none under way (the subscription ended). */
  close(): void {
    this.#closed = true;
    for (const order of this.#orders.values()) clearTimeout(order.timer);
  }

  #order(orderId: string): TrackedOrder {
    this.track(orderId, 0);
    return this.#orders.get(orderId)!;
  }

  #deliver(events: OrderEvent[]): void {
    for (const event of events) {
      if (this.#closed) return; // a delivery may end the subscription
      this.#options.deliver(event);
    }
  }

  #schedule(order: TrackedOrder): void {
    if (this.#closed || !order.sequence.hasGap || order.timer || order.filling) return;
    const delay = order.failures
      ? backoffDelay(order.failures, RetryPolicy.backgroundRead, this.#options.random)
      : this.#options.delayMs;
    order.timer = setTimeout(() => {
      order.timer = undefined;
      void this.#fill(order);
    }, delay);
  }

  async #fill(order: TrackedOrder): Promise<void> {
    if (this.#closed || !order.sequence.hasGap) return;
    order.filling = true;
    try {
      // Page after page (each bounded by the server) while the gap stays open.
      for (;;) {
        const { events, cursor } = await this.#options.eventsSince(order.orderId, order.sequence.lastSeq);
        order.failures = 0;
        for (const event of events) this.#deliver(order.sequence.accept(event));
        if (cursor === undefined || events.length === 0 || this.#closed || !order.sequence.hasGap) break;
      }
    } catch (error) {
      order.failures += 1;
      this.#options.onError(error as Error);
    } finally {
      order.filling = false;
    }
    // Still a gap (the read failed, or more events were written meanwhile): again later.
    this.#schedule(order);
  }
}
