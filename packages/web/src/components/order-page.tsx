/** One order: live status, timeline and chat. Customers see their own; staff see any. */
import type { SignedInUser } from "../auth";
import { describeError } from "../errors";
import { useOrder } from "../hooks/use-order";
import { chatMessages, formatCents, shortId, statusLabel } from "../order-state";
import { Chat } from "./chat";
import { OrderActions } from "./order-actions";
import { StatusTimeline } from "./status-timeline";

export function OrderPage(props: { orderId: string; user: SignedInUser }) {
  const load = useOrder(props.orderId);
  if (load.state === "loading") return <p className="panel muted">Loading order…</p>;
  if (load.state === "error") {
    return (
      <div className="panel" role="alert">
        <h2>Order unavailable</h2>
        <p>{describeError(load.error)}</p>
        <a href="#/">Back to {props.user.role === "staff" ? "the board" : "my orders"}</a>
      </div>
    );
  }
  const { order, events } = load.view;
  return (
    <div className="order-page">
      <section className="panel order-summary" aria-labelledby="order-title">
        <a href="#/" className="back-link">
          ← {props.user.role === "staff" ? "Board" : "My orders"}
        </a>
        <div className="order-title-row">
          <h2 id="order-title">Order #{shortId(order.id)}</h2>
          <span
            className={`status status-${order.status}`}
            data-testid="order-status"
            data-status={order.status}
            aria-live="polite"
          >
            {statusLabel[order.status]}
          </span>
        </div>
        <ul className="order-items">
          {order.items.map((item) => (
            <li key={item.sku}>
              {item.quantity}× {item.name}{" "}
              <span className="muted">{formatCents(item.quantity * item.unitPriceCents)}</span>
            </li>
          ))}
        </ul>
        {order.note ? <p className="order-note">Note: {order.note}</p> : null}
        <p className="total">Total {formatCents(order.totalCents)}</p>
        <StatusTimeline status={order.status} createdAt={order.createdAt} events={events} />
        <OrderActions order={order} user={props.user} onChanged={load.merge} />
      </section>
      <Chat orderId={order.id} messages={chatMessages(load.view)} user={props.user} />
    </div>
  );
}
