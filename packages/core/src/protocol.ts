/**
 * The public protocol (SPEC §4, §5): the shapes a client sees over the WebSocket and REST APIs.
 * Types and `as const` enumerations only, no runtime dependencies, so the web client can
 * import it (type-only or tree-shaken) without pulling in server code.
 */

export const OrderStatus = {
  Placed: "placed",
  Confirmed: "confirmed",
  Preparing: "preparing",
  Ready: "ready",
  OutForDelivery: "out_for_delivery",
  Delivered: "delivered",
  Cancelled: "cancelled",
} as const;
export type OrderStatus = (typeof OrderStatus)[keyof typeof OrderStatus];

export const EventKind = {
  OrderCreated: "order.created",
  OrderStatus: "order.status",
  OrderEta: "order.eta",
  ChatMessage: "chat.message",
} as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

export const ErrorCode = {
  BadRequest: "BAD_REQUEST",
  UnknownAction: "UNKNOWN_ACTION",
  Forbidden: "FORBIDDEN",
  NotFound: "NOT_FOUND",
  Conflict: "CONFLICT",
  RateLimited: "RATE_LIMITED",
  PayloadTooLarge: "PAYLOAD_TOO_LARGE",
  Internal: "INTERNAL",
  Unauthorized: "UNAUTHORIZED",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface OrderItem {
  sku: string;
  name: string;
  quantity: number;
  unitPriceCents: number;
}

/** Who an order is for (SPEC §5): shown to staff on the board and the order page. */
export interface Contact {
  name: string;
  phone: string;
}

export const FulfilmentType = {
  Pickup: "pickup",
  Delivery: "delivery",
} as const;
export type FulfilmentType = (typeof FulfilmentType)[keyof typeof FulfilmentType];

/** How an order reaches the customer: collected at the shop, or delivered to an address. */
export type Fulfilment = { type: "pickup" } | { type: "delivery"; address: string };

/** A line of `POST /orders`: what and how many; the server prices it from the menu. */
export interface OrderLine {
  sku: string;
  quantity: number;
}

/** `POST /orders` (SPEC §5). */
export interface PlaceOrderBody {
  items: OrderLine[];
  note?: string;
  contact: Contact;
  fulfilment: Fulfilment;
}

/** `PATCH /orders/{id}/eta` (SPEC §5): an ISO-8601 time in the future, or null to clear it. */
export interface SetEtaBody {
  etaAt: string | null;
}

/** Bounds of an order's lines (SPEC §5): more is refused with 400. */
export const orderLimits = { maxLines: 50, maxQuantity: 50 } as const;

/** Every order read (REST) returns this shape. */
export interface Order {
  id: string;
  customerId: string;
  status: OrderStatus;
  /** Priced by the server from the menu when the order was placed. */
  items: OrderItem[];
  note?: string;
  contact: Contact;
  fulfilment: Fulfilment;
  /** When staff expect the order to be ready (ISO-8601); absent while none is set. */
  etaAt?: string;
  totalCents: number;
  /** Optimistic-concurrency version for status updates. */
  version: number;
  /** The order's latest event sequence number. */
  seq: number;
  /** Chat messages from the other side after the caller's read position (staff share one per order). */
  unread: number;
  createdAt: string;
  updatedAt: string;
}

export type Role = "customer" | "staff";

interface EventBase {
  seq: number;
  orderId: string;
  /** The order's customer: what routes the event to the `customer:{customerId}` topic too. */
  customerId: string;
  /** ISO-8601 time of the event. */
  at: string;
}
export interface OrderCreatedEvent extends EventBase {
  kind: "order.created";
  order: Order;
}
export interface OrderStatusEvent extends EventBase {
  kind: "order.status";
  from: OrderStatus;
  status: OrderStatus;
  version: number;
  by: { userId: string; role: Role };
}
/** Staff set (`etaAt`) or cleared (`null`) the estimated time the order is ready. */
export interface OrderEtaEvent extends EventBase {
  kind: "order.eta";
  etaAt: string | null;
  by: { userId: string; role: Role };
}

/** Who wrote a chat message or is typing: `name` only where the identity has one worth showing. */
export interface MessageSender {
  userId: string;
  role: Role;
  name?: string;
}

export interface ChatMessageEvent extends EventBase {
  kind: "chat.message";
  messageId: string;
  clientMessageId: string;
  text: string;
  from: MessageSender;
}
/** An order event, exactly as pushed over the WebSocket and returned by REST. */
export type OrderEvent = OrderCreatedEvent | OrderStatusEvent | OrderEtaEvent | ChatMessageEvent;

/** `order:{orderId}` (one order), `orders` (staff: every order), `customer:{customerId}` (one customer's orders). */
export type Topic = `order:${string}` | "orders" | `customer:${string}` | "presence:staff";

/** The client actions: each is a WebSocket route key (`$request.body.action`) and one `ClientFrame`. */
export const ClientAction = {
  Subscribe: "subscribe",
  Unsubscribe: "unsubscribe",
  SendMessage: "sendMessage",
  Ping: "ping",
  Typing: "typing",
  MarkRead: "markRead",
} as const;
export type ClientAction = (typeof ClientAction)[keyof typeof ClientAction];

// Client → server frames. `id` is optional and echoed in the reply. `since` applies to
// `order:{id}` topics; the feeds (`orders`, `customer:{id}`) have no feed-wide seq, so there it is
// ignored (the reply is `subscribed` with seq 0 and no replay; catch up through REST, SPEC §4).
export type ClientFrame =
  | { action: "subscribe"; id?: string; topic: Topic; since?: number }
  | { action: "unsubscribe"; id?: string; topic: Topic }
  | { action: "sendMessage"; id?: string; orderId: string; text: string; clientMessageId: string }
  | { action: "ping"; id?: string }
  | { action: "typing"; id?: string; orderId: string }
  | { action: "markRead"; id?: string; orderId: string; seq: number };

/** Fails to compile when an action has no frame or a frame no action. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type EveryActionHasAFrame = Assert<Same<ClientFrame["action"], ClientAction>>;

/** The current seq of each `order:` topic, by topic (`pong`, SPEC §4). */
export type OrderTopicSeqs = Record<`order:${string}`, number>;

// Server → client frames.
export type ServerFrame =
  | { type: "event"; topic: Topic; seq: number; event: OrderEvent }
  | ({ type: "subscribed"; id?: string; topic: Topic; seq: number } & Partial<StaffPresence>)
  | { type: "unsubscribed"; id?: string; topic: Topic }
  | { type: "ack"; id?: string; orderId: string; clientMessageId: string; seq: number }
  | { type: "pong"; id?: string; seqs: OrderTopicSeqs }
  | { type: "typing"; orderId: string; from: MessageSender }
  | { type: "read"; orderId: string; role: Role; seq: number }
  | ({ type: "presence" } & StaffPresence)
  | { type: "error"; id?: string; code: ErrorCode; message: string };

/**
 * Whether staff are online (SPEC §4): part of `subscribed` on `order:` topics and of `presence`.
 * `staffOnlineUntil` (ISO-8601, while online): the newest staff heartbeat's window ends then; a
 * client asks again at that time (a heartbeat), so a staff browser that died without
 * `$disconnect` shows offline when its window ends, not a heartbeat interval later.
 */
export interface StaffPresence {
  staffOnline: boolean;
  staffOnlineUntil?: string;
}

/**
 * Seconds between a client's heartbeats (`ping`), one source for the web client and for the
 * server's presence window. API Gateway closes a connection idle for 10 minutes.
 */
export const heartbeatSeconds = 4 * 60;

/** A client sends at most one `typing` per order this often (SPEC §4); the server drops the rest. */
export const typingIntervalMs = 1_000;

/** One page of an order's events (`GET /orders/{id}`, `GET /orders/{id}/events`); `cursor` reads the next one. */
export interface EventPage {
  events: OrderEvent[];
  cursor?: string;
}

/**
 * How far each side has read an order (the highest seq; absent: nothing yet), as `GET
 * /orders/{id}` returns it beside the order: what shows "Seen" under one's last message after a
 * reload (later moves come as `read` frames). Staff share one position per order.
 */
export type ReadPositions = Partial<Record<Role, number>>;

/** `GET /menu` (SPEC §5). */
export interface MenuResponse {
  items: { sku: string; name: string; unitPriceCents: number }[];
}

/** `POST /realtime/tickets` (SPEC §4, §5): what the client puts in `?ticket=` of its next connect. */
export interface ConnectTicket {
  ticket: string;
  /** ISO-8601; the ticket is refused after it (and after its first use). */
  expiresAt: string;
}

/** Maximum chat message length in characters. */
export const maxChatTextLength = 2000;
