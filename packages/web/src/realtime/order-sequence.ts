/**
 * Per-order `seq` bookkeeping. The server delivers at least once and, around reconnects and
 * parallel fan-out, not always in order; this turns what arrives into each event exactly once,
 * in `seq` order, and says when something is missing so the caller can fetch it.
 */
import type { OrderEvent } from "@live-orders/core/protocol";

export class OrderSequence {
  /** The last seq delivered; everything up to it was delivered, in order. */
  lastSeq: number;
  /** The highest seq known to exist (seen in an event, a `subscribed` reply or a listing). */
  head: number;
  #pending = new Map<number, OrderEvent>();

  constructor(lastSeq = 0) {
    this.lastSeq = lastSeq;
    this.head = lastSeq;
  }

  /** Takes one arrived event; returns the events that are now deliverable, in order. */
  accept(event: OrderEvent): OrderEvent[] {
    if (event.seq <= this.lastSeq || this.#pending.has(event.seq)) return [];
    this.head = Math.max(this.head, event.seq);
    this.#pending.set(event.seq, event);
    const ready: OrderEvent[] = [];
    for (let next = this.#pending.get(this.lastSeq + 1); next; next = this.#pending.get(this.lastSeq + 1)) {
      this.#pending.delete(next.seq);
      this.lastSeq = next.seq;
      ready.push(next);
    }
    return ready;
  }

  /** Records that events up to `seq` exist (e.g. the `subscribed` reply's current seq). */
  noteHead(seq: number): void {
    this.head = Math.max(this.head, seq);
  }

  /** Something after `lastSeq` exists but has not arrived. */
  get hasGap(): boolean {
    return this.head > this.lastSeq;
  }

  get pendingCount(): number {
    return this.#pending.size;
  }
}
