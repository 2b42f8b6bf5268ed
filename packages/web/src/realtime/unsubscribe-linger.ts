/**
 * Unsubscribes that are not confirmed yet, per topic. Two reasons to keep them:
 *  - an unsubscribe waits `lingerMs` before it is sent, and re-subscribing the topic meanwhile (a
 *    screen unmounted and mounted again, React's StrictMode) cancels it, saving two frames;
 *  - a subscribe of the same topic must not overtake an unsubscribe in flight: API Gateway runs
 *    the two frames' Lambdas concurrently, and if the unsubscribe lands second the server forgets
 *    a subscription the client believes it has. Such a subscribe waits for `unsubscribed`.
 */
import type { Topic } from "@live-orders/core/protocol";

export interface UnsubscribeLingerOptions {
  lingerMs: number;
  /** Whether the unsubscribe is still wanted when the linger ends: topic not held again, connection open. */
  stillWanted: (topic: Topic) => boolean;
  /** Sends the unsubscribe frame. */
  send: (topic: Topic) => void;
  /** The unsubscribe in flight is confirmed: a subscription of the topic held meanwhile may go out now. */
  confirmed: (topic: Topic) => void;
}

export class UnsubscribeLinger {
  #options: UnsubscribeLingerOptions;
  /** Lingering (timer set, nothing sent) or in flight (sent, `unsubscribed` awaited). */
  #entries = new Map<Topic, { timer?: ReturnType<typeof setTimeout> }>();

  constructor(options: UnsubscribeLingerOptions) {
    this.#options = options;
  }

  /** The last subscription of `topic` ended while connected: unsubscribe after the linger. */
  start(topic: Topic): void {
    if (this.#entries.has(topic)) return;
    const entry: { timer?: ReturnType<typeof setTimeout> } = {};
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      if (!this.#options.stillWanted(topic)) {
        this.#entries.delete(topic);
        return;
      }
      this.#options.send(topic);
    }, this.#options.lingerMs);
    this.#entries.set(topic, entry);
  }

  /**
   * Whether a subscribe of `topic` may go out now. A lingering unsubscribe is cancelled (it was
   * never sent, so the server still has the subscription); one in flight holds the subscribe
   * until it is confirmed.
   */
  maySubscribe(topic: Topic): boolean {
    const entry = this.#entries.get(topic);
    if (!entry) return true;
    if (entry.timer === undefined) return false;
    clearTimeout(entry.timer);
    this.#entries.delete(topic);
    return true;
  }

  /** `unsubscribed` (or an error: either way nothing is in flight any more) for `topic`. */
  settle(topic: Topic): void {
    const entry = this.#entries.get(topic);
    if (!entry || entry.timer !== undefined) return;
    this.#entries.delete(topic);
    this.#options.confirmed(topic);
  }

  /** The connection closed (its subscriptions died with it) or the client did. */
  clear(): void {
    for (const entry of this.#entries.values()) clearTimeout(entry.timer);
    this.#entries.clear();
  }
}
