/**
 * The reconnecting transport: one logical connection over a succession of WebSockets.
 *
 * Why not partysocket's ReconnectingWebSocket (whose design this follows: an options object
 * with defaults, an async URL provider called on every connect, a minimum uptime before the
 * retry counter resets, a bounded queue of messages sent while down)? In partysocket 1.3.0 the
 * backoff is computed in a private `_getNextDelay` with no jitter and no hook, so a gateway
 * restart would bring every client back in lock-step; it has no heartbeat, no maximum
 * connection age (API Gateway cuts connections at 2 hours), no notion of the browser being
 * offline, and no connecting/reconnecting distinction for a visible connection state. Patching
 * private methods of a dependency is more fragile than the ~250 lines below.
 *
 * No DOM or React here: the WebSocket constructor is an option (Node passes `ws`).
 */
import { heartbeatSeconds } from "@live-orders/core/protocol";
import { type BackoffPolicy, backoffDelay, RetryPolicy } from "@live-orders/core/retry";
import { SendQueueFullError } from "./errors";
import { alwaysOnline, type NetworkSignal } from "./network";

/**
 * An event handler property, checked bivariantly (the method-syntax trick React's types use) so
 * that both the browser's WebSocket and the `ws` package's class fit without a cast, although
 * their event classes differ.
 */
type Handler<E> = { bivarianceHack(event: E): void }["bivarianceHack"] | null;

/** The part of the WebSocket API (browser or the `ws` package) the transport uses. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown>;
  onmessage: Handler<{ data: unknown }>;
  onclose: Handler<{ code: number; reason: string }>;
  onerror: Handler<unknown>;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export const ConnectionState = {
  Connecting: "connecting",
  Connected: "connected",
  Reconnecting: "reconnecting",
  Offline: "offline",
} as const;
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];

export const ConnectReason = {
  Initial: "initial",
  Retry: "retry",
  MaxAge: "max-age",
  Online: "online",
} as const;
export type ConnectReason = (typeof ConnectReason)[keyof typeof ConnectReason];

export interface ConnectContext {
  /** 0 for a connect that does not wait (first, max-age, back online), then 1, 2, … */
  attempt: number;
  reason: ConnectReason;
}

export interface HeartbeatOptions {
  /** Time between pings. API Gateway closes a connection idle for 10 minutes. */
  intervalMs: number;
  /** No frame at all within this time after a ping: the connection is dead, reconnect. */
  timeoutMs: number;
  /** The frame to send. */
  message: string;
}

export interface TransportOptions {
  /**
   * Called before EVERY connection attempt: the place to fetch a fresh credential (the app's is a
   * single-use connect ticket), since the last URL's is spent or expired.
   */
  url: (context: ConnectContext) => string | Promise<string>;
  WebSocket?: WebSocketConstructor;
  /** Reconnect delays: RetryPolicy.reconnect with these fields replaced. */
  backoff?: Partial<Omit<BackoffPolicy, "attempts">>;
  /** Source of jitter, [0, 1). */
  random?: () => number;
  /** A connection must stay up this long before the retry counter resets to 0. */
  minUptimeMs?: number;
  /** An attempt that is not open within this time is abandoned and counts as a failure. */
  connectTimeoutMs?: number;
  /** Frames sent while down are queued up to this many; beyond, `send` throws. */
  maxQueuedMessages?: number;
  heartbeat?: HeartbeatOptions | false;
  /** Reconnect proactively after this long, before API Gateway's 2-hour cap cuts us. */
  maxConnectionAgeMs?: number;
  /**
   * Up to this much earlier, at random per connection: clients that connected together (after a
   * gateway restart) must not all reconnect in the same second two hours later.
   */
  maxConnectionAgeJitterMs?: number;
  /** Consecutive failed attempts before giving up (state `offline`). */
  maxRetries?: number;
  network?: NetworkSignal;
}

export const defaultTransportOptions = {
  minUptimeMs: 5_000,
  connectTimeoutMs: 10_000,
  maxQueuedMessages: 100,
  heartbeat: { intervalMs: heartbeatSeconds * 1000, timeoutMs: 15_000, message: JSON.stringify({ action: "ping" }) },
  // 2 h minus 10 min: leaves room for a slow reconnect before the gateway's hard cut.
  maxConnectionAgeMs: 110 * 60_000,
  maxConnectionAgeJitterMs: 5 * 60_000,
  maxRetries: RetryPolicy.reconnect.attempts - 1,
} as const;

export interface TransportEvents {
  open: { generation: number };
  message: string;
  close: { code: number; reason: string };
  state: ConnectionState;
}
type Listener<T> = (value: T) => void;

const OPEN = 1;

export class ReconnectingTransport {
  #options: Required<Omit<TransportOptions, "backoff" | "heartbeat" | "random" | "WebSocket" | "maxRetries">> & {
    /** The reconnect policy; its `attempts` are the first connect plus `maxRetries`. */
    reconnect: BackoffPolicy;
    heartbeat: HeartbeatOptions | false;
    random: () => number;
    WebSocket: WebSocketConstructor;
  };
  #listeners: { [K in keyof TransportEvents]: Set<Listener<TransportEvents[K]>> } = {
    open: new Set(),
    message: new Set(),
    close: new Set(),
    state: new Set(),
  };
  #socket: WebSocketLike | null = null;
  #state: ConnectionState = ConnectionState.Offline;
  #started = false;
  #everConnected = false;
  /** Consecutive attempts since the last connection that stayed up `minUptimeMs`. */
  #retries = 0;
  /** Bumped on every successful open; lets the protocol layer tell connections apart. */
  #generation = 0;
  /** Bumped on every attempt, so a late URL provider result for a stale attempt is dropped. */
  #attemptToken = 0;
  #queue: string[] = [];
  #timers = {
    reconnect: undefined as ReturnType<typeof setTimeout> | undefined,
    connectTimeout: undefined as ReturnType<typeof setTimeout> | undefined,
    uptime: undefined as ReturnType<typeof setTimeout> | undefined,
    heartbeat: undefined as ReturnType<typeof setInterval> | undefined,
    pongTimeout: undefined as ReturnType<typeof setTimeout> | undefined,
    maxAge: undefined as ReturnType<typeof setTimeout> | undefined,
  };
  #unsubscribeNetwork: (() => void) | undefined;

  constructor(options: TransportOptions) {
    const WebSocketImpl = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WebSocketImpl) {
      throw new TypeError("no WebSocket implementation: pass options.WebSocket (e.g. the `ws` package in Node)");
    }
    this.#options = {
      url: options.url,
      WebSocket: WebSocketImpl,
      reconnect: {
        ...RetryPolicy.reconnect,
        ...options.backoff,
        attempts: (options.maxRetries ?? defaultTransportOptions.maxRetries) + 1,
      },
      random: options.random ?? Math.random,
      minUptimeMs: options.minUptimeMs ?? defaultTransportOptions.minUptimeMs,
      connectTimeoutMs: options.connectTimeoutMs ?? defaultTransportOptions.connectTimeoutMs,
      maxQueuedMessages: options.maxQueuedMessages ?? defaultTransportOptions.maxQueuedMessages,
      heartbeat: options.heartbeat === undefined ? defaultTransportOptions.heartbeat : options.heartbeat,
      maxConnectionAgeMs: options.maxConnectionAgeMs ?? defaultTransportOptions.maxConnectionAgeMs,
      maxConnectionAgeJitterMs: options.maxConnectionAgeJitterMs ?? defaultTransportOptions.maxConnectionAgeJitterMs,
      network: options.network ?? alwaysOnline,
    };
  }

  get state(): ConnectionState {
    return this.#state;
  }
  get generation(): number {
    return this.#generation;
  }
  get isOpen(): boolean {
    return this.#socket?.readyState === OPEN && this.#state === ConnectionState.Connected;
  }
  get queuedCount(): number {
    return this.#queue.length;
  }

  on<K extends keyof TransportEvents>(event: K, listener: Listener<TransportEvents[K]>): () => void {
    this.#listeners[event].add(listener);
    return () => this.#listeners[event].delete(listener);
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#unsubscribeNetwork = this.#options.network.subscribe((online) => this.#onNetwork(online));
    if (!this.#options.network.isOnline()) {
      this.#setState(ConnectionState.Offline);
      return;
    }
    this.#setState(ConnectionState.Connecting);
    this.#connect(0, ConnectReason.Initial);
  }

  /**
   * Sends now when open; otherwise queues (flushed, in order, right after the next open).
   * Throws SendQueueFullError when the queue is at its bound rather than growing without limit.
   */
  send(data: string): "sent" | "queued" {
    if (this.isOpen) {
      this.#socket!.send(data);
      return "sent";
    }
    if (this.#queue.length >= this.#options.maxQueuedMessages) {
      throw new SendQueueFullError(this.#options.maxQueuedMessages);
    }
    this.#queue.push(data);
    return "queued";
  }

  /**
   * Checks now that the connection is alive (a ping; no answer within the heartbeat timeout →
   * reconnect). For moments a connection is likely dead without a close event: a phone waking
   * up, a tab coming back to the foreground. Waiting for the next heartbeat could take minutes.
   */
  probe(): void {
    const heartbeat = this.#options.heartbeat;
    if (heartbeat && this.isOpen) this.#ping(heartbeat);
  }

  /** Drops the current connection and connects again at once (e.g. after a token change). */
  reconnect(): void {
    if (!this.#started) return;
    this.#retries = 0;
    this.#abandon(1000, "reconnect");
    this.#scheduleReconnect(0, ConnectReason.Initial);
  }

  /** Closes for good: no more reconnects, queued frames are dropped. */
  close(): void {
    this.#started = false;
    this.#unsubscribeNetwork?.();
    this.#unsubscribeNetwork = undefined;
    this.#clearTimers();
    this.#abandon(1000, "client closed");
    this.#queue = [];
    this.#setState(ConnectionState.Offline);
  }

  #emit<K extends keyof TransportEvents>(event: K, value: TransportEvents[K]): void {
    for (const listener of [...this.#listeners[event]]) listener(value);
  }

  #setState(state: ConnectionState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#emit("state", state);
  }

  #connect(attempt: number, reason: ConnectReason): void {
    const token = ++this.#attemptToken;
    let url: string | Promise<string>;
    try {
      url = this.#options.url({ attempt, reason });
    } catch {
      this.#attemptFailed();
      return;
    }
    Promise.resolve(url).then(
      (resolved) => {
        if (token !== this.#attemptToken || !this.#started) return;
        this.#open(resolved);
      },
      () => {
        // Could not build a URL (token refresh failed, network down): a failed attempt.
        if (token !== this.#attemptToken || !this.#started) return;
        this.#attemptFailed();
      },
    );
  }

  #open(url: string): void {
    let socket: WebSocketLike;
    try {
      socket = new this.#options.WebSocket(url);
    } catch {
      this.#attemptFailed();
      return;
    }
    this.#socket = socket;
    this.#timers.connectTimeout = setTimeout(() => {
      if (this.#socket !== socket) return;
      this.#abandon(4000, "connect timeout");
      this.#attemptFailed();
    }, this.#options.connectTimeoutMs);
    socket.onopen = () => {
      if (this.#socket !== socket) return;
      this.#onOpen();
    };
    socket.onmessage = (event) => {
      if (this.#socket !== socket) return;
      clearTimeout(this.#timers.pongTimeout);
      this.#timers.pongTimeout = undefined;
      const data = typeof event.data === "string" ? event.data : String(event.data);
      this.#emit("message", data);
    };
    socket.onclose = (event) => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      this.#onClose(event.code, event.reason);
    };
    // An error is always followed by a close; the close decides what happens next.
    socket.onerror = () => {};
  }

  #onOpen(): void {
    clearTimeout(this.#timers.connectTimeout);
    this.#generation += 1;
    this.#everConnected = true;
    this.#setState(ConnectionState.Connected);
    // Only a connection that stays up resets the backoff; one that flaps keeps backing off.
    this.#timers.uptime = setTimeout(() => {
      this.#retries = 0;
    }, this.#options.minUptimeMs);
    const heartbeat = this.#options.heartbeat;
    if (heartbeat) {
      this.#timers.heartbeat = setInterval(() => this.#ping(heartbeat), heartbeat.intervalMs);
    }
    this.#timers.maxAge = setTimeout(
      () => {
        this.#retries = 0;
        this.#abandon(1000, "max connection age");
        this.#scheduleReconnect(0, ConnectReason.MaxAge);
      },
      this.#options.maxConnectionAgeMs - Math.round(this.#options.random() * this.#options.maxConnectionAgeJitterMs),
    );
    // Listeners (the protocol client re-subscribing) go first, then what was queued while down.
    this.#emit("open", { generation: this.#generation });
    const queued = this.#queue;
    this.#queue = [];
    for (const frame of queued) {
      if (this.isOpen) this.#socket!.send(frame);
      else this.#queue.push(frame);
    }
  }

  #ping(heartbeat: HeartbeatOptions): void {
    if (!this.isOpen) return;
    this.#socket!.send(heartbeat.message);
    if (this.#timers.pongTimeout === undefined) {
      this.#timers.pongTimeout = setTimeout(() => {
        this.#timers.pongTimeout = undefined;
        // Half-open connection (common after a phone changes networks): no close will come.
        this.#abandon(4000, "heartbeat timeout");
        this.#scheduleReconnect(++this.#retries, ConnectReason.Retry);
      }, heartbeat.timeoutMs);
    }
  }

  #onClose(code: number, reason: string): void {
    this.#clearConnectionTimers();
    this.#emit("close", { code, reason });
    if (!this.#started) return;
    if (!this.#options.network.isOnline()) {
      this.#setState(ConnectionState.Offline);
      return;
    }
    this.#attemptFailed();
  }

  #attemptFailed(): void {
    if (!this.#started) return;
    this.#retries += 1;
    if (this.#retries >= this.#options.reconnect.attempts) {
      this.#setState(ConnectionState.Offline);
      return;
    }
    this.#scheduleReconnect(this.#retries, ConnectReason.Retry);
  }

  #scheduleReconnect(attempt: number, reason: ConnectReason): void {
    clearTimeout(this.#timers.reconnect);
    this.#setState(this.#everConnected ? ConnectionState.Reconnecting : ConnectionState.Connecting);
    const delay = backoffDelay(attempt, this.#options.reconnect, this.#options.random);
    this.#timers.reconnect = setTimeout(() => {
      this.#timers.reconnect = undefined;
      this.#connect(attempt, reason);
    }, delay);
  }

  /** Detaches and closes the current socket; its close event no longer reaches us. */
  #abandon(code: number, reason: string): void {
    const socket = this.#socket;
    this.#socket = null;
    this.#attemptToken += 1; // a URL still being fetched belongs to an abandoned attempt
    this.#clearConnectionTimers();
    if (!socket) return;
    socket.onopen = socket.onmessage = socket.onclose = null;
    socket.onerror = () => {};
    try {
      socket.close(code, reason);
    } catch {
      // Closing a socket that never connected can throw in some implementations; it is gone either way.
    }
    this.#emit("close", { code, reason });
  }

  #onNetwork(online: boolean): void {
    if (!this.#started) return;
    if (!online) {
      clearTimeout(this.#timers.reconnect);
      this.#abandon(1000, "network offline");
      this.#setState(ConnectionState.Offline);
      return;
    }
    if (this.#socket) return;
    this.#retries = 0;
    this.#scheduleReconnect(0, ConnectReason.Online);
  }

  #clearConnectionTimers(): void {
    clearTimeout(this.#timers.connectTimeout);
    clearTimeout(this.#timers.uptime);
    clearInterval(this.#timers.heartbeat);
    clearTimeout(this.#timers.pongTimeout);
    clearTimeout(this.#timers.maxAge);
    this.#timers.connectTimeout = this.#timers.uptime = this.#timers.heartbeat = undefined;
    this.#timers.pongTimeout = this.#timers.maxAge = undefined;
  }

  #clearTimers(): void {
    this.#clearConnectionTimers();
    clearTimeout(this.#timers.reconnect);
    this.#timers.reconnect = undefined;
  }
}
