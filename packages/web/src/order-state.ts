/**
 * Folding order events into what the screens show, and the labels they show. Pure, so the rules
 * are unit-tested: an event at or below the order's `seq` is already reflected (the snapshot or
 * an earlier event) and is ignored, which makes a REST snapshot and pushed events safe to combine
 * in any order. The status machine itself is core's (`@live-orders/core/order-status`).
 */
import type { ChatMessageEvent, Order, OrderEvent, OrderStatus, Role } from "@live-orders/core/protocol";

export interface OrderView {
  order: Order;
  /** Every event seen, in seq order. */
  events: OrderEvent[];
}

/**
 * `viewer`: whose screen it is. A chat message from the other side adds to the viewer's unread
 * count (the server's `unread`, kept live until the viewer reads); without a viewer it stays.
 */
export function applyToOrder(order: Order, event: OrderEvent, viewer?: Role): Order {
  if (event.orderId !== order.id || event.seq <= order.seq) return order;
  switch (event.kind) {
    case "order.created":
      return { ...event.order, seq: Math.max(event.order.seq, event.seq) };
    case "order.status":
      return { ...order, status: event.status, version: event.version, seq: event.seq, updatedAt: event.at };
    case "order.eta": {
      const { etaAt: _previous, ...rest } = order;
      return { ...rest, ...(event.etaAt === null ? {} : { etaAt: event.etaAt }), seq: event.seq };
    }
    case "chat.message":
      return {
        ...order,
        seq: event.seq,
        unread: order.unread + (viewer !== undefined && event.from.role !== viewer ? 1 : 0),
      };
  }
}

/**
 * A `read` frame of the viewer's own side (another tab, another device, a colleague): read up to
 * the order's seq clears the count. A position short of it leaves the count (the next order read
 * brings the exact one).
 */
export function applyRead(order: Order, read: { orderId: string; role: Role; seq: number }, viewer: Role): Order {
  if (read.orderId !== order.id || read.role !== viewer || read.seq < order.seq || order.unread === 0) return order;
  return { ...order, unread: 0 };
}

/**
 * The order's fields and its event list move separately: the order may already be ahead (a
 * mutation's response was merged), yet its event still belongs in the timeline when it arrives.
 */
export function applyToView(view: OrderView, event: OrderEvent, viewer?: Role): OrderView {
  if (event.orderId !== view.order.id) return view;
  const lastEventSeq = view.events.at(-1)?.seq ?? 0;
  const events = event.seq > lastEventSeq ? [...view.events, event] : view.events;
  const order = applyToOrder(view.order, event, viewer);
  return events === view.events && order === view.order ? view : { order, events };
}

/** An older page of events goes before the ones shown (each seq once). */
export function withOlderEvents(view: OrderView, older: readonly OrderEvent[]): OrderView {
  const first = view.events[0]?.seq ?? Number.POSITIVE_INFINITY;
  const before = older.filter((event) => event.orderId === view.order.id && event.seq < first);
  if (before.length === 0) return view;
  return { ...view, events: [...[...before].sort((a, b) => a.seq - b.seq), ...view.events] };
}

/** A newer order read (e.g. the response of a status change) replaces the shown one. */
export function mergeIntoView(view: OrderView, order: Order): OrderView {
  return order.id === view.order.id && order.seq > view.order.seq ? { ...view, order } : view;
}

/** Snapshot of many orders merged with what is already shown: the newer `seq` wins. */
export function mergeOrders(current: ReadonlyMap<string, Order>, incoming: readonly Order[]): Map<string, Order> {
  const next = new Map(current);
  for (const order of incoming) {
    const known = next.get(order.id);
    // At the same seq, the snapshot's unread count is the newer word (read after it).
    if (!known || order.seq > known.seq || (order.seq === known.seq && order.unread !== known.unread))
      next.set(order.id, order);
  }
  return next;
}

export function applyToOrders(
  current: ReadonlyMap<string, Order>,
  event: OrderEvent,
  viewer?: Role,
): Map<string, Order> {
  const known = current.get(event.orderId);
  if (!known) {
    if (event.kind !== "order.created") return current as Map<string, Order>;
    return new Map(current).set(event.orderId, { ...event.order, seq: Math.max(event.order.seq, event.seq) });
  }
  const updated = applyToOrder(known, event, viewer);
  return updated === known ? (current as Map<string, Order>) : new Map(current).set(event.orderId, updated);
}

export function chatMessages(view: OrderView): ChatMessageEvent[] {
  return view.events.filter((event): event is ChatMessageEvent => event.kind === "chat.message");
}

export const statusLabel: Record<OrderStatus, string> = {
  placed: "Placed",
  confirmed: "Confirmed",
  preparing: "Preparing",
  ready: "Ready",
  out_for_delivery: "Out for delivery",
  delivered: "Delivered",
  cancelled: "Cancelled",
};

export function formatCents(cents: number): string {
  return new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" }).format(cents / 100);
}

export function shortId(orderId: string): string {
  return orderId.slice(-6).toUpperCase();
}

export function applyReadToOrders(
  current: ReadonlyMap<string, Order>,
  read: { orderId: string; role: Role; seq: number },
  viewer: Role,
): Map<string, Order> {
  const known = current.get(read.orderId);
  if (!known) return current as Map<string, Order>;
  const updated = applyRead(known, read, viewer);
  return updated === known ? (current as Map<string, Order>) : new Map(current).set(read.orderId, updated);
}

/** The ETA as a clock time, and what is left of it ("in 12 min", "due"). */
export function etaLabel(etaAt: string, nowMs: number): { time: string; left: string } {
  const at = Date.parse(etaAt);
  const minutes = Math.ceil((at - nowMs) / 60_000);
  return {
    time: new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }),
    left: minutes > 0 ? `in ${minutes} min` : "due now",
  };
}

/** How an order is fulfilled, as staff read it on a card: the address, or "Pickup". */
export function fulfilmentLabel(order: Pick<Order, "fulfilment">): string {
  return order.fulfilment.type === "delivery" ? order.fulfilment.address : "Pickup";
}
