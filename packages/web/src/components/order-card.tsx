import type { Order, Role } from "@live-orders/core/protocol";
import type { ReactNode } from "react";
import { orderHref } from "../hooks/use-hash-route";
import { formatCents, fulfilmentLabel, shortId, statusLabel } from "../order-state";
import { EtaText } from "./eta";

/**
 * An order in a list or on the board (SPEC §7 hooks: order-card with data-order-id/data-status;
 * for staff `order-customer` and `order-address`; `unread-count` while the viewer has unread
 * messages). On the staff's board an order with unread customer messages stands out.
 */
export function OrderCard(props: { order: Order; viewer: Role; children?: ReactNode }) {
  const { order, viewer } = props;
  const items = order.items.map((item) => `${item.quantity}× ${item.name}`).join(", ");
  const unread = order.unread > 0;
  return (
    <article
      className={`order-card${unread && viewer === "staff" ? " order-card-unread" : ""}`}
      data-testid="order-card"
      data-order-id={order.id}
      data-status={order.status}
    >
      <header className="order-card-head">
        <a href={orderHref(order.id)} className="order-card-link">
          Order #{shortId(order.id)}
          {unread ? (
            <span className="unread-badge" data-testid="unread-count">
              {order.unread}
              <span className="visually-hidden"> unread {order.unread === 1 ? "message" : "messages"}</span>
            </span>
          ) : null}
        </a>
        <span className={`status status-${order.status}`}>{statusLabel[order.status]}</span>
      </header>
      {viewer === "staff" ? (
        <p className="order-card-who">
          <span data-testid="order-customer">{order.contact.name}</span>
          {" · "}
          <a href={`tel:${order.contact.phone.replace(/[^\d+]/g, "")}`}>{order.contact.phone}</a>
          <br />
          <span data-testid="order-address">{fulfilmentLabel(order)}</span>
        </p>
      ) : null}
      <p className="order-card-items">{items}</p>
      {viewer === "staff" && order.note ? <p className="order-card-note">Note: {order.note}</p> : null}
      <p className="order-card-meta">
        {formatCents(order.totalCents)} · <time dateTime={order.updatedAt}>{whenShown(order.updatedAt)}</time>
        {order.etaAt ? (
          <>
            {" · "}
            <EtaText etaAt={order.etaAt} />
          </>
        ) : null}
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
