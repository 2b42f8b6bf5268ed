/**
 * The protocol client (SPEC §4) on top of the reconnecting transport.
 *
 * What a caller gets: for each subscription, every event of its topic exactly once and in `seq`
 * order per order — across drops, reconnects, token refreshes and API Gateway's idle and
 * 2-hour cuts. The server is at-least-once, so this layer
 *   - dedups and reorders by `seq` (OrderSequence),
 *   - re-subscribes after every reconnect with `since` = the last contiguous seq,
 *   - fills gaps that do not close by themselves through `GET /orders/{id}/events?since=`,
 *   - for the staff `orders` topic (no feed-wide seq) keeps one sequence per order and
 *     catches up after each (re)subscribe from `GET /orders` plus per-order events,
 *   - sends chat with a `clientMessageId` and retries until `ack` (the server dedups retries).
 *
 * No React, no DOM: Node passes `WebSocket` (the `ws` package) and, if it likes, `fetch`:
 *
 *   import WebSocket from "ws";
 *   const client = new RealtimeClient({
 *     wsUrl: outputs.ws, apiUrl: outputs.api, WebSocket,
 *     getToken: async ({ forceRefresh }) => tokenFor(user, forceRefresh),
 *   });
 *   const seen: OrderEvent[] = [];
 *   client.subscribeOrder(orderId, { since: 0, onEvent: (event) => seen.push(event) });
 *   await client.sendMessage(orderId, "hello");        // resolves on the server's ack
 *   client.onStateChange((state) => …);                // connecting | connected | reconnecting | offline
 *   client.close();
 */
import type {
  ClientFrame,
  Order,
  OrderEvent,
  ServerFrame,
  Topic,
} from "@live-orders/core/protocol";
import { type BackoffOptions, nextDelay } from "./backoff";
import { ClientClosedError, RequestTimeoutError, ServerError } from "./errors";
import { OrderSequence } from "./order-sequence";
import { type OrdersApi, type TokenProvider, createOrdersApi } from "./orders-api";
import {
  type ConnectionState,
  ReconnectingTransport,
  type TransportOptions,
  type WebSocketConstructor,
} from "./transport";

export interface RealtimeClientOptions {
  /** The WebSocket API URL, e.g. `wss://abc.execute-api.us-east-1.amazonaws.com/prod`. */
  wsUrl: string;
  /** The HTTP API URL (gap fill and the staff catch-up). */
  apiUrl: string;
  /** Called for every connection attempt and REST call; `forceRefresh` after a refusal. */
  getToken: TokenProvider;
  WebSocket?: WebSocketConstructor;
  fetch?: typeof fetch;
  /** Passed to the transport (backoff, heartbeat, max age, network signal, queue bound…). */
  transport?: Omit<TransportOptions, "url" | "WebSocket">;
  /**
   * How long a gap may stay open before it is fetched over REST. Out-of-order arrival usually
   * closes it within milliseconds, so waiting a little saves a request per reorder.
   */
  gapFillDelayMs?: number;
  /**
   * An unsubscribe waits this long before it is sent; re-subscribing the topic meanwhile (a
   * screen unmounted and mounted again, React's StrictMode) cancels it, saving two frames.
   */
  unsubscribeLingerMs?: number;
  /** No `ack` within this time: send the same message (same clientMessageId) again. */
  ackTimeoutMs?: number;
  /** Failed attempts (ack timeouts, RATE_LIMITED/INTERNAL replies) before `sendMessage` gives up. */
  maxSendAttempts?: number;
  /** Errors nobody else is waiting for (failed gap fill, unsolicited server errors). */
  onError?: (error: Error) => void;
  /** For tests: ids of requests and chat messages. */
  randomId?: () => string;
}

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
}

export interface Subscription {
  readonly topic: Topic;
  /** The last contiguous seq delivered (order topics) — what a re-subscribe sends as `since`. */
  lastSeq(orderId?: string): number;
  unsubscribe(): void;
}

export interface SendResult {
  seq: number;
  clientMessageId: string;
}

interface OrderTopicSubscription {
  kind: "order";
  topic: Topic;
  orderId: string;
  sequence: OrderSequence;
  options: OrderSubscriptionOptions;
  gapTimer?: ReturnType<typeof setTimeout>;
  filling: boolean;
  /** Consecutive transient refusals (RATE_LIMITED, INTERNAL) of the subscribe frame. */
  refusals: number;
  retryTimer?: ReturnType<typeof setTimeout>;
}

interface FeedSubscription {
  kind: "feed";
  topic: "orders";
  sequences: Map<string, OrderSequence>;
  gapTimers: Map<string, ReturnType<typeof setTimeout>>;
  filling: Set<string>;
  options: OrdersFeedOptions;
  /** Events that arrive before the listing after a (re)subscribe is in: replayed after it. */
  buffer: OrderEvent[] | null;
  baselined: boolean;
  catchUpTimer?: ReturnType<typeof setTimeout>;
  /** Bumped per (re)subscribe, so a stale catch-up is dropped. */
  round: number;
  refusals: number;
  retryTimer?: ReturnType<typeof setTimeout>;
}

type ActiveSubscription = OrderTopicSubscription | FeedSubscription;

interface PendingSend {
  orderId: string;
  text: string;
  clientMessageId: string;
  /** Ack timeouts and transient refusals so far. */
  failedAttempts: number;
  /** Transport generation the frame went out on; -1 while it sits in the transport's queue. */
  sentGeneration: number;
  ackTimer?: ReturnType<typeof setTimeout>;
  resolve: (result: SendResult) => void;
  reject: (error: Error) => void;
}

/** Backoff of requests the server refused for now (its rate limit window is 10 s). */
const retryBackoff: BackoffOptions = { minDelayMs: 1_000, maxDelayMs: 10_000, factor: 2, jitter: 0.5 };
const feedBufferLimit = 10_000;
/** Refusals that say "not now" rather than "no": the request is retried after a backoff. */
const transientCodes: ReadonlySet<string> = new Set(["RATE_LIMITED", "INTERNAL"]);
const maxCatchUpPages = 50;

export class RealtimeClient {
  readonly api: OrdersApi;
  readonly transport: ReconnectingTransport;
  #options: Required<
    Pick<RealtimeClientOptions, "gapFillDelayMs" | "ackTimeoutMs" | "maxSendAttempts" | "unsubscribeLingerMs">
  > &
    RealtimeClientOptions;
  #subscriptions = new Map<Topic, ActiveSubscription>();
  /** Request id → what it was for, to route `error` replies. */
  #requests = new Map<string, { topic?: Topic; unsubscribeTopic?: Topic; clientMessageId?: string }>();
  /**
   * Unsubscribes not yet confirmed, per topic: lingering (timer set, not sent) or in flight
   * (sent, `unsubscribed` awaited). A subscribe of the same topic must not overtake an
   * unsubscribe in flight: API Gateway runs the two frames' Lambdas concurrently, and if the
   * unsubscribe lands second the server forgets a subscription the client believes it has.
   */
  #unsubscribing = new Map<Topic, { timer?: ReturnType<typeof setTimeout>; resubscribe: boolean }>();
  #sends = new Map<string, PendingSend>();
  #counter = 0;
  #closed = false;

  constructor(options: RealtimeClientOptions) {
    this.#options = {
      gapFillDelayMs: 400,
      unsubscribeLingerMs: 1_000,
      ackTimeoutMs: 10_000,
      maxSendAttempts: 3,
      ...options,
    };
    this.api = createOrdersApi({
      apiUrl: options.apiUrl,
      getToken: options.getToken,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    this.transport = new ReconnectingTransport({
      ...options.transport,
      ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
      url: async ({ attempt }) => {
        // A fresh token on every connect; after repeated failures (maybe a refused token) force
        // a refresh rather than presenting the cached one again.
        const token = await options.getToken({ forceRefresh: attempt >= 2 });
        const url = new URL(options.wsUrl);
        url.searchParams.set("token", token);
        return url.toString();
      },
    });
    this.transport.on("open", () => this.#onOpen());
    this.transport.on("close", () => this.#onClose());
    this.transport.on("message", (data) => this.#onMessage(data));
    this.transport.start();
  }

  get state(): ConnectionState {
    return this.transport.state;
  }

  onStateChange(listener: (state: ConnectionState) => void): () => void {
    return this.transport.on("state", listener);
  }

  subscribeOrder(orderId: string, options: OrderSubscriptionOptions): Subscription {
    const topic: Topic = `order:${orderId}`;
    if (this.#subscriptions.has(topic)) this.#unsubscribe(topic);
    const subscription: OrderTopicSubscription = {
      kind: "order",
      topic,
      orderId,
      sequence: new OrderSequence(options.since ?? 0),
      options,
      filling: false,
      refusals: 0,
    };
    this.#subscriptions.set(topic, subscription);
    if (this.transport.isOpen) this.#sendSubscribe(subscription);
    return {
      topic,
      lastSeq: () => subscription.sequence.lastSeq,
      unsubscribe: () => this.#unsubscribe(topic, subscription),
    };
  }

  /** Staff: every order's events. */
  subscribeOrders(options: OrdersFeedOptions): Subscription {
    const topic = "orders" as const;
    if (this.#subscriptions.has(topic)) this.#unsubscribe(topic);
    const subscription: FeedSubscription = {
      kind: "feed",
      topic,
      sequences: new Map(
        Object.entries(options.since ?? {}).map(([orderId, seq]) => [orderId, new OrderSequence(seq)]),
      ),
      gapTimers: new Map(),
      filling: new Set(),
      options,
      buffer: [],
      baselined: false,
      round: 0,
      refusals: 0,
    };
    this.#subscriptions.set(topic, subscription);
    if (this.transport.isOpen) this.#sendSubscribe(subscription);
    return {
      topic,
      lastSeq: (orderId) => (orderId ? (subscription.sequences.get(orderId)?.lastSeq ?? 0) : 0),
      unsubscribe: () => this.#unsubscribe(topic, subscription),
    };
  }

  /**
   * Sends a chat message; resolves with its seq once the server acknowledged it. Pass your own
   * `clientMessageId` to match the message's event to an optimistic "sending…" entry.
   */
  sendMessage(orderId: string, text: string, options: { clientMessageId?: string } = {}): Promise<SendResult> {
    if (this.#closed) return Promise.reject(new ClientClosedError());
    const clientMessageId = options.clientMessageId ?? this.#randomId();
    return new Promise<SendResult>((resolve, reject) => {
      const pending: PendingSend = {
        orderId,
        text,
        clientMessageId,
        failedAttempts: 0,
        sentGeneration: -1,
        resolve,
        reject,
      };
      this.#sends.set(clientMessageId, pending);
      try {
        this.#transmit(pending);
      } catch (error) {
        this.#sends.delete(clientMessageId);
        reject(error as Error);
      }
    });
  }

  close(): void {
    this.#closed = true;
    for (const entry of this.#unsubscribing.values()) clearTimeout(entry.timer);
    this.#unsubscribing.clear();
    for (const subscription of this.#subscriptions.values()) this.#clearSubscriptionTimers(subscription);
    this.#subscriptions.clear();
    for (const pending of this.#sends.values()) {
      clearTimeout(pending.ackTimer);
      pending.reject(new ClientClosedError());
    }
    this.#sends.clear();
    this.transport.close();
  }

  // --- connection lifecycle ---------------------------------------------------------------

  #onOpen(): void {
    for (const subscription of this.#subscriptions.values()) this.#sendSubscribe(subscription);
    const generation = this.transport.generation;
    for (const pending of this.#sends.values()) {
      if (pending.sentGeneration === -1) {
        // Still in the transport queue, which is flushed right after this handler.
        pending.sentGeneration = generation;
        this.#armAckTimer(pending);
      } else if (pending.sentGeneration < generation) {
        // Went out on a connection that died before the ack: same clientMessageId again.
        this.#transmit(pending);
      }
    }
  }

  #onClose(): void {
    this.#requests.clear();
    // The connection's subscriptions die with it; the next open subscribes what is active.
    for (const entry of this.#unsubscribing.values()) clearTimeout(entry.timer);
    this.#unsubscribing.clear();
    for (const pending of this.#sends.values()) {
      clearTimeout(pending.ackTimer);
      pending.ackTimer = undefined;
    }
    for (const subscription of this.#subscriptions.values()) {
      if (subscription.kind === "feed") {
        clearTimeout(subscription.catchUpTimer);
        subscription.round += 1;
        subscription.buffer = [];
      }
    }
  }

  #sendSubscribe(subscription: ActiveSubscription): void {
    const unsubscribing = this.#unsubscribing.get(subscription.topic);
    if (unsubscribing?.timer !== undefined) {
      // Never sent: the server still has the subscription; the subscribe below refreshes it.
      clearTimeout(unsubscribing.timer);
      this.#unsubscribing.delete(subscription.topic);
    } else if (unsubscribing) {
      unsubscribing.resubscribe = true; // sent when `unsubscribed` comes back
      return;
    }
    const id = this.#nextRequestId();
    this.#requests.set(id, { topic: subscription.topic });
    const frame: ClientFrame =
      subscription.kind === "order"
        ? { action: "subscribe", id, topic: subscription.topic, since: subscription.sequence.lastSeq }
        : { action: "subscribe", id, topic: subscription.topic };
    if (subscription.kind === "feed") {
      subscription.round += 1;
      subscription.buffer = [];
    }
    this.transport.send(JSON.stringify(frame));
  }

  #unsubscribe(topic: Topic, only?: ActiveSubscription): void {
    const subscription = this.#subscriptions.get(topic);
    if (!subscription || (only && subscription !== only)) return;
    this.#clearSubscriptionTimers(subscription);
    this.#subscriptions.delete(topic);
    if (!this.transport.isOpen || this.#unsubscribing.has(topic)) return;
    const entry: { timer?: ReturnType<typeof setTimeout>; resubscribe: boolean } = { resubscribe: false };
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      if (this.#subscriptions.has(topic) || !this.transport.isOpen) {
        this.#unsubscribing.delete(topic);
        return;
      }
      const id = this.#nextRequestId();
      this.#requests.set(id, { unsubscribeTopic: topic });
      const frame: ClientFrame = { action: "unsubscribe", id, topic };
      this.transport.send(JSON.stringify(frame));
    }, this.#options.unsubscribeLingerMs);
    this.#unsubscribing.set(topic, entry);
  }

  #onUnsubscribed(topic: Topic | undefined, id: string | undefined): void {
    const request = id ? this.#requests.get(id) : undefined;
    if (id) this.#requests.delete(id);
    const done = request?.unsubscribeTopic ?? topic;
    if (done) this.#finishUnsubscribe(done);
  }

  #finishUnsubscribe(done: Topic): void {
    const entry = this.#unsubscribing.get(done);
    if (!entry || entry.timer !== undefined) return;
    this.#unsubscribing.delete(done);
    const subscription = this.#subscriptions.get(done);
    if (subscription && this.transport.isOpen) this.#sendSubscribe(subscription);
  }

  // --- incoming frames --------------------------------------------------------------------

  #onMessage(data: string): void {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(data) as ServerFrame;
    } catch {
      this.#options.onError?.(new ServerError("BAD_FRAME", "unparseable frame from server"));
      return;
    }
    if (!frame || typeof frame !== "object") return;
    switch (frame.type) {
      case "event":
        return this.#onEvent(frame.topic, frame.event);
      case "subscribed":
        return this.#onSubscribed(frame.topic, frame.seq, frame.id);
      case "ack":
        return this.#onAck(frame.clientMessageId, frame.seq, frame.id);
      case "error":
        return this.#onServerError(frame.code, frame.message, frame.id);
      case "unsubscribed":
        return this.#onUnsubscribed(frame.topic, frame.id);
      case "pong":
        return;
    }
  }

  #onEvent(topic: Topic, event: OrderEvent): void {
    const subscription = this.#subscriptions.get(topic);
    if (!subscription || !event || typeof event.seq !== "number") return;
    if (subscription.kind === "order") {
      this.#deliverOrder(subscription, subscription.sequence.accept(event));
      return;
    }
    if (subscription.buffer) {
      if (subscription.buffer.length >= feedBufferLimit) subscription.buffer.shift(); // gap fill recovers it
      subscription.buffer.push(event);
      return;
    }
    this.#acceptFeedEvent(subscription, event);
  }

  #onSubscribed(topic: Topic, seq: number, id: string | undefined): void {
    if (id) this.#requests.delete(id);
    const subscription = this.#subscriptions.get(topic);
    if (!subscription) return;
    subscription.refusals = 0;
    if (subscription.kind === "order") {
      subscription.sequence.noteHead(seq);
      this.#scheduleOrderGapFill(subscription);
      return;
    }
    void this.#catchUpFeed(subscription, subscription.round, 0);
  }

  #onAck(clientMessageId: string, seq: number, id: string | undefined): void {
    if (id) this.#requests.delete(id);
    const pending = this.#sends.get(clientMessageId);
    if (!pending) return; // an ack of a retry that was already acknowledged
    clearTimeout(pending.ackTimer);
    this.#sends.delete(clientMessageId);
    pending.resolve({ seq, clientMessageId });
  }

  #onServerError(code: string, message: string, id: string | undefined): void {
    const error = new ServerError(code, message);
    const request = id ? this.#requests.get(id) : undefined;
    if (id) this.#requests.delete(id);
    if (request?.unsubscribeTopic) {
      // The server did not unsubscribe; either way nothing is in flight any more.
      this.#finishUnsubscribe(request.unsubscribeTopic);
      return;
    }
    const transient = transientCodes.has(code);
    if (request?.clientMessageId) {
      const pending = this.#sends.get(request.clientMessageId);
      if (pending) {
        clearTimeout(pending.ackTimer);
        pending.failedAttempts += 1;
        if (transient && pending.failedAttempts < this.#options.maxSendAttempts) {
          // Same clientMessageId: if the first attempt was stored after all, the server dedups.
          pending.ackTimer = setTimeout(() => this.#retransmit(pending), nextDelay(pending.failedAttempts, retryBackoff));
          return;
        }
        this.#sends.delete(request.clientMessageId);
        pending.reject(error);
        return;
      }
    }
    if (request?.topic) {
      const subscription = this.#subscriptions.get(request.topic);
      if (subscription) {
        if (transient) {
          subscription.refusals += 1;
          clearTimeout(subscription.retryTimer);
          subscription.retryTimer = setTimeout(() => {
            subscription.retryTimer = undefined;
            if (this.#subscriptions.get(subscription.topic) === subscription && this.transport.isOpen) {
              this.#sendSubscribe(subscription);
            }
          }, nextDelay(subscription.refusals, retryBackoff));
          return;
        }
        // Refused for good (NOT_FOUND, FORBIDDEN…): re-sending it on every reconnect helps no one.
        this.#clearSubscriptionTimers(subscription);
        this.#subscriptions.delete(request.topic);
        subscription.options.onError?.(error);
        return;
      }
    }
    this.#options.onError?.(error);
  }

  // --- order topics -----------------------------------------------------------------------

  #deliverOrder(subscription: OrderTopicSubscription, events: OrderEvent[]): void {
    for (const event of events) {
      if (this.#subscriptions.get(subscription.topic) !== subscription) return;
      subscription.options.onEvent(event);
    }
    this.#scheduleOrderGapFill(subscription);
  }

  #scheduleOrderGapFill(subscription: OrderTopicSubscription, delay = this.#options.gapFillDelayMs): void {
    if (!subscription.sequence.hasGap || subscription.gapTimer || subscription.filling) return;
    subscription.gapTimer = setTimeout(() => {
      subscription.gapTimer = undefined;
      void this.#fillOrderGap(subscription);
    }, delay);
  }

  async #fillOrderGap(subscription: OrderTopicSubscription): Promise<void> {
    if (!subscription.sequence.hasGap || this.#subscriptions.get(subscription.topic) !== subscription) return;
    subscription.filling = true;
    let failed = false;
    try {
      const { events } = await this.api.eventsSince(subscription.orderId, subscription.sequence.lastSeq);
      for (const event of events) {
        this.#deliverOrder(subscription, subscription.sequence.accept(event));
      }
    } catch (error) {
      failed = true;
      this.#options.onError?.(error as Error);
    } finally {
      subscription.filling = false;
    }
    if (this.#subscriptions.get(subscription.topic) !== subscription) return;
    // Still a gap (the fetch failed, or more events were written meanwhile): try again later.
    this.#scheduleOrderGapFill(subscription, failed ? this.#options.gapFillDelayMs * 5 : this.#options.gapFillDelayMs);
  }

  // --- the staff feed ---------------------------------------------------------------------

  /** After each (re)subscribe: read the listing, set or advance each order's head, then replay. */
  async #catchUpFeed(subscription: FeedSubscription, round: number, failures: number): Promise<void> {
    const live = () => this.#subscriptions.get("orders") === subscription && subscription.round === round;
    let orders: Order[];
    try {
      orders = [];
      let cursor: string | undefined;
      for (let page = 0; page < maxCatchUpPages; page++) {
        const result = await this.api.listOrders(cursor ? { cursor } : {});
        orders.push(...result.orders);
        cursor = result.cursor;
        if (!cursor || !live()) break;
      }
    } catch (error) {
      if (!live()) return;
      this.#options.onError?.(error as Error);
      const delay = Math.min(30_000, this.#options.gapFillDelayMs * 5 * 2 ** failures);
      subscription.catchUpTimer = setTimeout(() => void this.#catchUpFeed(subscription, round, failures + 1), delay);
      return;
    }
    if (!live()) return;
    for (const order of orders) {
      let sequence = subscription.sequences.get(order.id);
      if (!sequence) {
        // First listing: the history is in the snapshot. Later: an order created while we were
        // away, so every one of its events is news, from 1.
        sequence = new OrderSequence(subscription.baselined ? 0 : order.seq);
        subscription.sequences.set(order.id, sequence);
      }
      sequence.noteHead(order.seq);
    }
    subscription.baselined = true;
    subscription.options.onSnapshot?.(orders);
    const buffered = subscription.buffer ?? [];
    subscription.buffer = null;
    for (const event of buffered) this.#acceptFeedEvent(subscription, event);
    for (const [orderId, sequence] of subscription.sequences) {
      if (sequence.hasGap) this.#scheduleFeedGapFill(subscription, orderId);
    }
  }

  #acceptFeedEvent(subscription: FeedSubscription, event: OrderEvent): void {
    let sequence = subscription.sequences.get(event.orderId);
    if (!sequence) {
      // Not in any listing we read (new since, or beyond the last page): start from its beginning.
      sequence = new OrderSequence(0);
      subscription.sequences.set(event.orderId, sequence);
    }
    this.#deliverFeed(subscription, event.orderId, sequence.accept(event));
  }

  #deliverFeed(subscription: FeedSubscription, orderId: string, events: OrderEvent[]): void {
    for (const event of events) {
      if (this.#subscriptions.get("orders") !== subscription) return;
      subscription.options.onEvent(event);
    }
    this.#scheduleFeedGapFill(subscription, orderId);
  }

  #scheduleFeedGapFill(subscription: FeedSubscription, orderId: string, delay = this.#options.gapFillDelayMs): void {
    const sequence = subscription.sequences.get(orderId);
    if (!sequence?.hasGap || subscription.gapTimers.has(orderId) || subscription.filling.has(orderId)) return;
    subscription.gapTimers.set(
      orderId,
      setTimeout(() => {
        subscription.gapTimers.delete(orderId);
        void this.#fillFeedGap(subscription, orderId);
      }, delay),
    );
  }

  async #fillFeedGap(subscription: FeedSubscription, orderId: string): Promise<void> {
    const sequence = subscription.sequences.get(orderId);
    if (!sequence?.hasGap || this.#subscriptions.get("orders") !== subscription) return;
    subscription.filling.add(orderId);
    let failed = false;
    try {
      const { events } = await this.api.eventsSince(orderId, sequence.lastSeq);
      this.#deliverFeedBatch(subscription, sequence, events);
    } catch (error) {
      failed = true;
      this.#options.onError?.(error as Error);
    } finally {
      subscription.filling.delete(orderId);
    }
    if (this.#subscriptions.get("orders") !== subscription) return;
    this.#scheduleFeedGapFill(subscription, orderId, failed ? this.#options.gapFillDelayMs * 5 : this.#options.gapFillDelayMs);
  }

  #deliverFeedBatch(subscription: FeedSubscription, sequence: OrderSequence, events: OrderEvent[]): void {
    const ready: OrderEvent[] = [];
    for (const event of events) ready.push(...sequence.accept(event));
    for (const event of ready) {
      if (this.#subscriptions.get("orders") !== subscription) return;
      subscription.options.onEvent(event);
    }
  }

  // --- chat sends -------------------------------------------------------------------------

  #transmit(pending: PendingSend): void {
    const id = this.#nextRequestId();
    const frame: ClientFrame = {
      action: "sendMessage",
      id,
      orderId: pending.orderId,
      text: pending.text,
      clientMessageId: pending.clientMessageId,
    };
    const outcome = this.transport.send(JSON.stringify(frame));
    this.#requests.set(id, { clientMessageId: pending.clientMessageId });
    if (outcome === "sent") {
      pending.sentGeneration = this.transport.generation;
      this.#armAckTimer(pending);
    } else {
      pending.sentGeneration = -1;
    }
  }

  #armAckTimer(pending: PendingSend): void {
    clearTimeout(pending.ackTimer);
    pending.ackTimer = setTimeout(() => {
      pending.ackTimer = undefined;
      pending.failedAttempts += 1;
      if (pending.failedAttempts >= this.#options.maxSendAttempts) {
        this.#sends.delete(pending.clientMessageId);
        pending.reject(new RequestTimeoutError(`no ack for message after ${pending.failedAttempts} attempts`));
        return;
      }
      this.#retransmit(pending);
    }, this.#options.ackTimeoutMs);
  }

  #retransmit(pending: PendingSend): void {
    pending.ackTimer = undefined;
    if (this.#sends.get(pending.clientMessageId) !== pending) return;
    try {
      this.#transmit(pending);
    } catch (error) {
      this.#sends.delete(pending.clientMessageId);
      pending.reject(error as Error);
    }
  }

  // --- helpers ----------------------------------------------------------------------------

  #clearSubscriptionTimers(subscription: ActiveSubscription): void {
    clearTimeout(subscription.retryTimer);
    subscription.retryTimer = undefined;
    if (subscription.kind === "order") {
      clearTimeout(subscription.gapTimer);
      subscription.gapTimer = undefined;
    } else {
      clearTimeout(subscription.catchUpTimer);
      for (const timer of subscription.gapTimers.values()) clearTimeout(timer);
      subscription.gapTimers.clear();
    }
  }

  #nextRequestId(): string {
    this.#counter += 1;
    return `r${this.#counter}`;
  }

  #randomId(): string {
    return this.#options.randomId?.() ?? globalThis.crypto.randomUUID();
  }
}

export function createRealtimeClient(options: RealtimeClientOptions): RealtimeClient {
  return new RealtimeClient(options);
}
