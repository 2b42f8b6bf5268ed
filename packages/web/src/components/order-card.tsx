import type { Order } from "@live-orders/core/protocol";
import type { ReactNode } from "react";
import { orderHref } from "../hooks/use-hash-route";
import { formatCents, shortId, statusLabel } from "../order-state";

/** An order in a list or on the board (SPEC §7 hook: order-card with data-order-id/data-status). */
export function OrderCard(props: { order: Order; children?: ReactNode }) {
  const { order } = props;
  const items = order.items.map((item) => `${item.quantity}× ${item.name}`).join(", ");
  return (
    <article className="order-card" data-testid="order-card" data-order-id={order.id} data-status={order.status}>
      <header className="order-card-head">
        <a href={orderHref(order.id)} className="order-card-link">
          Order #{shortId(order.id)}
        </a>
        <span className={`status status-${order.status}`}>{statusLabel[order.status]}</span>
      </header>
      <p className="order-card-items">{items}</p>
      <p className="order-card-meta">
        {formatCents(order.totalCents)} · <time dateTime={order.updatedAt}>{whenShown(order.updatedAt)}</time>
      </p>
      {props.children}
    </article>
  );
}

/** Today's changes by their time; older ones (the history) with their date. */
function whenShown(iso: string): string {
  const at = new Date(iso);
  return at.toDateString() === new Date().toDateString()
    ? at.toLocaleTimeString()
    : at.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
}
