/**
 * The kinds of topic a client subscribes to, as the client sees them: what a (re)subscribe
 * sends, what `subscribed` and each event do. Both kinds hand their events to a GapFiller; a feed
 * adds its catch-up. The feeds (`orders`, `customer:{customerId}`, SPEC §4) are FeedTopics, each
 * with its own name and listing.
 */
import type { ClientFrame, Order, OrderEvent, Topic } from "@live-orders/core/protocol";
import type { ServerError } from "./errors";
import { FeedCatchUp, type ListOrdersPage } from "./feed-catch-up";
import { GapFiller, type GapFillerOptions } from "./gap-filler";

export interface OrderSubscriptionOptions {
  /** Events up to this seq are already known (e.g. from `GET /orders/{id}`); 0 = replay all. */
  since?: number;
  onEvent: (event: OrderEvent) => void;
  /** The server refused the subscription (NOT_FOUND, FORBIDDEN…); it is dropped. */
  onError?: (error: ServerError) => void;
}

export interface OrdersFeedOptions {
  /** Per-order seqs already known; orders missing here start at the listing's seq. */
  since?: Record<string, number>;
  onEvent: (event: OrderEvent) => void;
  /** The fresh listing after each (re)subscribe, before the catch-up events are delivered. */
  onSnapshot?: (orders: Order[]) => void;
  onError?: (error: ServerError) => void;
  /**
   * The listing read after each (re)subscribe: pages covering the orders the reader shows.
   * Default: `GET /orders` page after page.
   */
  listing?: ListOrdersPage;
  /** A listing failed (it is read again by itself, or at once with `retryListing()`). Default: the client's onError. */
  onListingError?: (error: Error) => void;
  /**
   * Follow only the orders listed, made known (`know`) or created while subscribed: events of any
   * other order are dropped instead of read from their first seq. For a reader that shows a
   * window of the feed's orders (a page of "My orders", the active board). Default false.
   */
  followListedOnly?: boolean;
}

/** What every topic shares: how gaps are read, how long they may stay open, where failed reads go. */
export type TopicContext = Omit<GapFillerOptions, "deliver">;

export interface TopicSubscription {
  readonly topic: Topic;
  /** The frame that (re)subscribes the topic, about to go out with request id `id`. */
  subscribeFrame(id: string): ClientFrame;
  /** The server's `subscribed`, with the topic's current seq. */
  subscribed(seq: number): void;
  /** The topic's current seq, from a heartbeat's `pong`: events up to it are fetched unless they arrive. */
  headKnown(seq: number): void;
  receive(event: OrderEvent): void;
  /** The connection closed; the next open subscribes again. */
  connectionLost(): void;
  /** The server refused the subscription for good; the client has dropped it. */
  refused(error: ServerError): void;
  /** The last contiguous seq delivered of an order of the topic. */
  lastSeq(orderId?: string): number;
  close(): void;
}

/** `order:{orderId}`: one order; a re-subscribe asks for what came after `since`. */
export class OrderTopic implements TopicSubscription {
  readonly topic: Topic;
  #filler: GapFiller;

  constructor(
    readonly orderId: string,
    private readonly options: OrderSubscriptionOptions,
    context: TopicContext,
  ) {
    this.topic = `order:${orderId}`;
    this.#filler = new GapFiller({ ...context, deliver: (event) => options.onEvent(event) });
    this.#filler.track(orderId, options.since ?? 0);
  }

  subscribeFrame(id: string): ClientFrame {
    return { action: "subscribe", id, topic: this.topic, since: this.lastSeq() };
  }
  subscribed(seq: number): void {
    this.#filler.noteHead(this.orderId, seq);
  }
  headKnown(seq: number): void {
    this.#filler.noteHead(this.orderId, seq);
  }
  receive(event: OrderEvent): void {
    this.#filler.accept(this.orderId, event);
  }
  connectionLost(): void {}
  refused(error: ServerError): void {
    this.options.onError?.(error);
  }
  lastSeq(): number {
    return this.#filler.lastSeq(this.orderId);
  }
  close(): void {
    this.#filler.close();
  }
}

/** A topic of many orders with no feed-wide seq (`orders`, `customer:…`): caught up from a listing. */
export class FeedTopic implements TopicSubscription {
  #filler: GapFiller;
  #catchUp: FeedCatchUp;

  constructor(
    readonly topic: Exclude<Topic, `order:${string}`>,
    private readonly options: OrdersFeedOptions,
    listOrders: ListOrdersPage,
    context: TopicContext,
  ) {
    this.#filler = new GapFiller({ ...context, deliver: (event) => options.onEvent(event) });
    for (const [orderId, seq] of Object.entries(options.since ?? {})) this.#filler.track(orderId, seq);
    const filler = this.#filler;
    this.#catchUp = new FeedCatchUp({
      filler,
      listOrders: options.listing ?? listOrders,
      onSnapshot: options.onSnapshot,
      onError: options.onListingError ?? context.onError,
      random: context.random,
      ...(options.followListedOnly
        ? { follows: (event: OrderEvent) => event.kind === "order.created" || filler.isTracked(event.orderId) }
        : {}),
    });
  }

  /** Orders the reader now shows (e.g. a page it loaded): followed from their listed seq. */
  know(orders: readonly Order[]): void {
    for (const order of orders) {
      this.#filler.track(order.id, order.seq);
      this.#filler.noteHead(order.id, order.seq);
    }
  }

  /** Read a failed listing again now instead of after its backoff. */
  retryListing(): void {
    this.#catchUp.retryNow();
  }

  subscribeFrame(id: string): ClientFrame {
    this.#catchUp.hold();
    return { action: "subscribe", id, topic: this.topic };
  }
  subscribed(): void {
    this.#catchUp.start();
  }
  /** `pong` carries `order:` topics only: a feed has no seq of its own. */
  headKnown(): void {}
  receive(event: OrderEvent): void {
    this.#catchUp.accept(event);
  }
  connectionLost(): void {
    this.#catchUp.hold();
  }
  refused(error: ServerError): void {
    this.options.onError?.(error);
  }
  lastSeq(orderId?: string): number {
    return orderId ? this.#filler.lastSeq(orderId) : 0;
  }
  close(): void {
    this.#catchUp.close();
    this.#filler.close();
  }
}
