/**
 * The topics a client holds, kept subscribed on the server: every held topic is subscribed
 * again on each new connection, a subscribe the server refused for now goes again after
 * RetryPolicy.refusedRequest's delay, one refused for good is dropped, and an unsubscribe goes
 * through the linger (which also keeps a subscribe from overtaking an unsubscribe in flight).
 */
import type { ClientFrame, OrderEvent, OrderTopicSeqs, Topic } from "@live-orders/core/protocol";
import { backoffDelay, RetryPolicy } from "@live-orders/core/retry";
import { isRefusedForNow, type ServerError } from "./errors";
import type { Requests } from "./requests";
import type { TopicSubscription } from "./topic-subscriptions";
import type { ReconnectingTransport } from "./transport";
import { UnsubscribeLinger } from "./unsubscribe-linger";

export interface Subscription {
  readonly topic: Topic;
  /** The last contiguous seq delivered (of `orderId` on a feed) — what a re-subscribe sends as `since`. */
  lastSeq(orderId?: string): number;
  unsubscribe(): void;
}

export interface SubscriptionsOptions {
  transport: Pick<ReconnectingTransport, "send" | "isOpen">;
  requests: Requests;
  unsubscribeLingerMs: number;
  /** Source of the retry jitter, [0, 1). */
  random?: () => number;
}

export class Subscriptions {
  #options: SubscriptionsOptions;
  #held = new Map<Topic, TopicSubscription>();
  /** Per topic, refusals for now since the last `subscribed`, and the retry waiting. */
  #retries = new Map<Topic, { refusals: number; timer?: ReturnType<typeof setTimeout> }>();
  #linger: UnsubscribeLinger;

  constructor(options: SubscriptionsOptions) {
    this.#options = options;
    this.#linger = new UnsubscribeLinger({
      lingerMs: options.unsubscribeLingerMs,
      stillWanted: (topic) => !this.#held.has(topic) && options.transport.isOpen,
      send: (topic) =>
        this.#send({ action: "unsubscribe", id: options.requests.open({ kind: "unsubscribe", topic }), topic }),
      confirmed: (topic) => {
        const subscription = this.#held.get(topic);
        if (subscription && options.transport.isOpen) this.#subscribe(subscription);
      },
    });
  }

  /** Holds `subscription`, replacing an earlier one of its topic; subscribes it if connected. */
  hold(subscription: TopicSubscription): Subscription {
    const { topic } = subscription;
    this.#release(topic);
    this.#held.set(topic, subscription);
    if (this.#options.transport.isOpen) this.#subscribe(subscription);
    return {
      topic,
      lastSeq: (orderId) => subscription.lastSeq(orderId),
      unsubscribe: () => this.#release(topic, subscription),
    };
  }

  connected(): void {
    for (const subscription of this.#held.values()) this.#subscribe(subscription);
  }

  /** The connection's subscriptions died with it; the next open subscribes what is held. */
  disconnected(): void {
    this.#linger.clear();
    for (const subscription of this.#held.values()) subscription.connectionLost();
  }

  received(topic: Topic, event: OrderEvent): void {
    this.#held.get(topic)?.receive(event);
  }

  subscribed(topic: Topic, seq: number): void {
    const subscription = this.#held.get(topic);
    if (!subscription) return;
    const retry = this.#retries.get(topic);
    if (retry) retry.refusals = 0;
    subscription.subscribed(seq);
  }

  /** A `pong`'s current seq per order topic: each held topic learns how far its order has come. */
  heads(seqs: OrderTopicSeqs): void {
    for (const [topic, seq] of Object.entries(seqs) as [Topic, number][]) {
      if (typeof seq === "number") this.#held.get(topic)?.headKnown(seq);
    }
  }

  /** `unsubscribed`, or an error reply to an unsubscribe: nothing is in flight any more. */
  unsubscribed(topic: Topic): void {
    this.#linger.settle(topic);
  }

  /** The server refused a subscribe; false when its topic is no longer held. */
  refused(topic: Topic, error: ServerError): boolean {
    const subscription = this.#held.get(topic);
    if (!subscription) return false;
    if (isRefusedForNow(error)) {
      this.#retry(subscription);
      return true;
    }
    // Refused for good (NOT_FOUND, FORBIDDEN…): re-sending it on every reconnect helps no one.
    this.#drop(subscription);
    subscription.refused(error);
    return true;
  }

  close(): void {
    this.#linger.clear();
    for (const subscription of [...this.#held.values()]) this.#drop(subscription);
  }

  #subscribe(subscription: TopicSubscription): void {
    const { topic } = subscription;
    if (!this.#linger.maySubscribe(topic)) return; // sent once `unsubscribed` is back
    this.#send(subscription.subscribeFrame(this.#options.requests.open({ kind: "subscribe", topic })));
  }

  #release(topic: Topic, only?: TopicSubscription): void {
    const subscription = this.#held.get(topic);
    if (!subscription || (only && subscription !== only)) return;
    this.#drop(subscription);
    if (this.#options.transport.isOpen) this.#linger.start(topic);
  }

  /** Forgets a subscription on this side: no deliveries, no timers. */
  #drop(subscription: TopicSubscription): void {
    subscription.close();
    this.#held.delete(subscription.topic);
    clearTimeout(this.#retries.get(subscription.topic)?.timer);
    this.#retries.delete(subscription.topic);
  }

  /** A subscription is wanted for as long as it is held: the policy's delays, never its attempt limit. */
  #retry(subscription: TopicSubscription): void {
    const { topic } = subscription;
    const retry = this.#retries.get(topic) ?? { refusals: 0 };
    this.#retries.set(topic, retry);
    retry.refusals += 1;
    clearTimeout(retry.timer);
    retry.timer = setTimeout(
      () => {
        retry.timer = undefined;
        if (this.#held.get(topic) === subscription && this.#options.transport.isOpen) this.#subscribe(subscription);
      },
      backoffDelay(retry.refusals, RetryPolicy.refusedRequest, this.#options.random),
    );
  }

  #send(frame: ClientFrame): void {
    this.#options.transport.send(JSON.stringify(frame));
  }
}
