/**
 * The protocol client (SPEC §4) on top of the reconnecting transport.
 *
 * What a caller gets: for each subscription, every event of its topic exactly once and in `seq`
 * order per order — across drops, reconnects, token refreshes and API Gateway's idle and
 * 2-hour cuts. The server is at-least-once; this module wires the parts and routes each
 * server frame to the one it concerns:
 *   - subscriptions.ts: the topics held, subscribed again on every connection;
 *   - topic-subscriptions.ts: what each kind of topic (`order:`, a feed) does with its frames;
 *   - gap-filler.ts: dedup, reorder, `GET /orders/{id}/events?since=` for gaps (every topic),
 *     including those a heartbeat's `pong {seqs}` reveals (an order's last event never pushed);
 *   - feed-catch-up.ts: a feed (`orders`) catches up from `GET /orders` after each (re)subscribe;
 *   - unsubscribe-linger.ts: unsubscribes wait a little, and are never overtaken;
 *   - chat-sender.ts: chat with a `clientMessageId`, retried until `ack`.
 *
 * No React, no DOM: Node passes `WebSocket` (the `ws` package) and, if it likes, `fetch`:
 *
 *   import WebSocket from "ws";
 *   const client = new RealtimeClient({
 *     wsUrl: outputs.ws, apiUrl: outputs.api, WebSocket,
 *     getToken: async ({ forceRefresh }) => tokenFor(user, forceRefresh), // for REST, tickets included
 *   });
 *   const seen: OrderEvent[] = [];
 *   client.subscribeOrder(orderId, { since: 0, onEvent: (event) => seen.push(event) });
 *   await client.sendMessage(orderId, "hello");        // resolves on the server's ack
 *   client.onStateChange((state) => …);                // connecting | connected | reconnecting | offline
 *   client.close();
 */
import type { Order, OrderEvent, ServerFrame } from "@live-orders/core/protocol";
import { RetryPolicy } from "@live-orders/core/retry";
import { ChatSender, type SendResult } from "./chat-sender";
import { ServerError } from "./errors";
import { LiveSignals } from "./live-signals";
import { createOrdersApi, type OrdersApi, type TokenProvider } from "./orders-api";
import { Requests } from "./requests";
import { type Subscription, Subscriptions } from "./subscriptions";
import {
  FeedTopic,
  type OrderSubscriptionOptions,
  type OrdersFeedOptions,
  OrderTopic,
  type TopicContext,
} from "./topic-subscriptions";
import {
  type ConnectionState,
  ReconnectingTransport,
  type TransportOptions,
  type WebSocketConstructor,
} from "./transport";

export type { OrderSubscriptionOptions, OrdersFeedOptions, SendResult, Subscription };

/** A feed subscription: also told of the orders its reader loads by itself, and retried on demand. */
export interface FeedSubscription extends Subscription {
  /** Orders the reader loaded outside the feed's listing (a further page): their events are followed. */
  know(orders: readonly Order[]): void;
  /** Read a failed listing again now (a "Retry" button) instead of after its backoff. */
  retryListing(): void;
}

export interface RealtimeClientOptions {
  /** The WebSocket API URL, e.g. `wss://abc.execute-api.us-east-1.amazonaws.com/prod`. */
  wsUrl: string;
  /** The HTTP API URL (gap fill and the staff catch-up). */
  apiUrl: string;
  /** Called for every REST call, a connect's ticket included; `forceRefresh` after a refusal. */
  getToken: TokenProvider;
  WebSocket?: WebSocketConstructor;
  fetch?: typeof fetch;
  /**
   * Passed to the transport (backoff, heartbeat, max age, network signal, queue bound…); its
   * `random` jitters the client's retries too.
   */
  transport?: Omit<TransportOptions, "url" | "WebSocket">;
  /** How long a gap may stay open before it is fetched over REST (see GapFillerOptions.delayMs). */
  gapFillDelayMs?: number;
  /** An unsubscribe waits this long before it is sent; a re-subscribe meanwhile cancels it. */
  unsubscribeLingerMs?: number;
  /** No `ack` within this time: send the same message (same clientMessageId) again. */
  ackTimeoutMs?: number;
  /** Failed attempts (ack timeouts, RATE_LIMITED/INTERNAL replies) before `sendMessage` gives up. */
  maxSendAttempts?: number;
  /** Errors nobody else is waiting for (failed gap fill, unsolicited server errors). */
  onError?: (error: Error) => void;
  /** For tests: ids of chat messages. */
  randomId?: () => string;
}

export class RealtimeClient {
  readonly api: OrdersApi;
  readonly transport: ReconnectingTransport;
  /** Typing, read positions, staff presence (live-signals.ts). */
  readonly signals: LiveSignals;
  #options: RealtimeClientOptions;
  #topicContext: TopicContext;
  #requests = new Requests();
  #subscriptions: Subscriptions;
  #chat: ChatSender;
  #eventListeners = new Set<(event: OrderEvent) => void>();

  constructor(options: RealtimeClientOptions) {
    this.#options = options;
    const random = options.transport?.random;
    this.api = createOrdersApi({ apiUrl: options.apiUrl, getToken: options.getToken, fetch: options.fetch });
    this.transport = new ReconnectingTransport({
      ...options.transport,
      ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
      url: async ({ attempt }) => {
        // A fresh single-use ticket for every connect (no token ever goes into a URL); after
        // repeated failures the token behind it is refreshed first (new groups, a revoked session).
        const { ticket } = await this.api.issueTicket({ forceRefresh: attempt >= 2 });
        const url = new URL(options.wsUrl);
        url.searchParams.set("ticket", ticket);
        return url.toString();
      },
    });
    this.signals = new LiveSignals({
      // Typing is worth nothing late: it is sent only while connected. A read position may wait
      // in the queue for the connection (positions only grow, a late one is still right).
      send: (frame) => {
        if ("action" in frame && frame.action === "typing" && !this.transport.isOpen) return;
        try {
          this.transport.send(JSON.stringify(frame));
        } catch (error) {
          options.onError?.(error as Error);
        }
      },
      probe: () => this.transport.probe(),
    });
    this.#topicContext = {
      eventsSince: (orderId, since) => this.api.eventsSince(orderId, since),
      delayMs: options.gapFillDelayMs ?? 400,
      onError: (error) => options.onError?.(error),
      random,
    };
    this.#subscriptions = new Subscriptions({
      transport: this.transport,
      requests: this.#requests,
      unsubscribeLingerMs: options.unsubscribeLingerMs ?? 1_000,
      random,
    });
    this.#chat = new ChatSender({
      transport: this.transport,
      requests: this.#requests,
      ackTimeoutMs: options.ackTimeoutMs ?? 10_000,
      maxSendAttempts: options.maxSendAttempts ?? RetryPolicy.refusedRequest.attempts,
      random,
    });
    this.transport.on("open", ({ generation }) => {
      this.#subscriptions.connected();
      this.#chat.connected(generation);
    });
    this.transport.on("close", () => {
      this.#requests.clear();
      this.#subscriptions.disconnected();
      this.#chat.disconnected();
    });
    this.transport.on("message", (data) => this.#onMessage(data));
    this.transport.start();
  }

  get state(): ConnectionState {
    return this.transport.state;
  }

  onStateChange(listener: (state: ConnectionState) => void): () => void {
    return this.transport.on("state", listener);
  }

  /**
   * Every event pushed on any topic held, as it arrives (before dedup: one event may come on an
   * order's topic and a feed, or twice; a listener that counts keys them by order and seq).
   */
  onPushedEvent(listener: (event: OrderEvent) => void): () => void {
    this.#eventListeners.add(listener);
    return () => this.#eventListeners.delete(listener);
  }

  subscribeOrder(orderId: string, options: OrderSubscriptionOptions): Subscription {
    return this.#subscriptions.hold(new OrderTopic(orderId, options, this.#topicContext));
  }

  /** Staff: every order's events. */
  subscribeOrders(options: OrdersFeedOptions): FeedSubscription {
    return this.#holdFeed(new FeedTopic("orders", options, this.#listEveryPage, this.#topicContext));
  }

  /** A customer's orders, all on one subscription (`customer:{customerId}`: that customer or staff). */
  subscribeCustomerOrders(customerId: string, options: OrdersFeedOptions): FeedSubscription {
    const topic = `customer:${customerId}` as const;
    return this.#holdFeed(new FeedTopic(topic, options, this.#listEveryPage, this.#topicContext));
  }

  #listEveryPage = (cursor: string | undefined) => this.api.listOrders(cursor ? { cursor } : {});

  #holdFeed(feed: FeedTopic): FeedSubscription {
    const held = this.#subscriptions.hold(feed);
    return {
      topic: held.topic,
      lastSeq: (orderId) => held.lastSeq(orderId),
      unsubscribe: () => held.unsubscribe(),
      know: (orders) => feed.know(orders),
      retryListing: () => feed.retryListing(),
    };
  }

  /**
   * Sends a chat message; resolves with its seq once the server acknowledged it. Pass your own
   * `clientMessageId` to match the message's event to an optimistic "sending…" entry.
   */
  sendMessage(orderId: string, text: string, options: { clientMessageId?: string } = {}): Promise<SendResult> {
    const clientMessageId = options.clientMessageId ?? this.#options.randomId?.() ?? globalThis.crypto.randomUUID();
    return this.#chat.send(orderId, text, clientMessageId);
  }

  close(): void {
    this.#subscriptions.close();
    this.#chat.close();
    this.signals.close();
    this.transport.close();
  }

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
        if (frame.event && typeof frame.event.seq === "number") {
          for (const listener of this.#eventListeners) listener(frame.event);
          this.#subscriptions.received(frame.topic, frame.event);
        }
        return;
      case "subscribed":
        this.#requests.take(frame.id);
        if (frame.staffOnline !== undefined) this.signals.presenceSaid(frame.staffOnline, frame.staffOnlineUntil);
        return this.#subscriptions.subscribed(frame.topic, frame.seq);
      case "typing":
      case "read":
      case "presence":
        this.signals.received(frame);
        return;
      case "unsubscribed": {
        const request = this.#requests.take(frame.id);
        return this.#subscriptions.unsubscribed(request?.kind === "unsubscribe" ? request.topic : frame.topic);
      }
      case "ack":
        this.#requests.take(frame.id);
        return this.#chat.acknowledged(frame.clientMessageId, frame.seq);
      case "error":
        return this.#onServerError(new ServerError(frame.code, frame.message), frame.id);
      case "pong":
        // The current seq of each order topic held: a missed last event shows as a gap here.
        return this.#subscriptions.heads(frame.seqs ?? {});
    }
  }

  /** An error reply goes to whoever made the request; one nobody waits for to `onError`. */
  #onServerError(error: ServerError, id: string | undefined): void {
    const request = this.#requests.take(id);
    switch (request?.kind) {
      case "unsubscribe":
        return this.#subscriptions.unsubscribed(request.topic); // not unsubscribed, but nothing is in flight
      case "subscribe":
        if (this.#subscriptions.refused(request.topic, error)) return;
        break;
      case "send":
        if (this.#chat.refused(request.clientMessageId, error)) return;
        break;
    }
    this.#options.onError?.(error);
  }
}
