/**
 * Folding order events into what the screens show, and the labels they show. Pure, so the rules
 * are unit-tested: an event at or below the order's `seq` is already reflected (the snapshot or
 * an earlier event) and is ignored, which makes a REST snapshot and pushed events safe to combine
 * in any order. The status machine itself is core's (`@live-orders/core/order-status`).
 */
import type { ChatMessageEvent, Order, OrderEvent, OrderStatus } from "@live-orders/core/protocol";

export interface OrderView {
  order: Order;
  /** Every event seen, in seq order. */
  events: OrderEvent[];
}

export function applyToOrder(order: Order, event: OrderEvent): Order {
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
      return { ...order, seq: event.seq };
  }
}

/**
 * The order's fields and its event list move separately: the order may already be ahead (a
 * mutation's response was merged), yet its event still belongs in the timeline when it arrives.
 */
export function applyToView(view: OrderView, event: OrderEvent): OrderView {
  if (event.orderId !== view.order.id) return view;
  const lastEventSeq = view.events.at(-1)?.seq ?? 0;
  const events = event.seq > lastEventSeq ? [...view.events, event] : view.events;
  const order = applyToOrder(view.order, event);
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
    if (!known || order.seq > known.seq) next.set(order.id, order);
  }
  return next;
}

export function applyToOrders(current: ReadonlyMap<string, Order>, event: OrderEvent): Map<string, Order> {
  const known = current.get(event.orderId);
  if (!known) {
    if (event.kind !== "order.created") return current as Map<string, Order>;
    return new Map(current).set(event.orderId, { ...event.order, seq: Math.max(event.order.seq, event.seq) });
  }
  const updated = applyToOrder(known, event);
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
