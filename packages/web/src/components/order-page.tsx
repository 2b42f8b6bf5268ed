/** One order: live status, timeline and chat. Customers see their own; staff see any. */
import type { SignedInUser } from "../auth";
import { describeError } from "../errors";
import { useOrder } from "../hooks/use-order";
import { useScreen } from "../hooks/use-screen";
import { chatMessages, formatCents, shortId, statusLabel } from "../order-state";
import { Chat } from "./chat";
import { LoadError } from "./load-error";
import { OrderActions } from "./order-actions";
import { StatusTimeline } from "./status-timeline";

export function OrderPage(props: { orderId: string; user: SignedInUser }) {
  const load = useOrder(props.orderId);
  const title = `Order #${shortId(props.orderId)}`;
  const heading = useScreen(title);
  const back = (
    <a href="#/" className="back-link">
      ← {props.user.role === "staff" ? "Board" : "My orders"}
    </a>
  );
  if (load.state === "loading")
    return (
      <p className="panel muted" role="status">
        Loading order…
      </p>
    );
  if (load.state === "error") {
    const notFound = (load.error as { code?: string }).code === "NOT_FOUND";
    return (
      <div className="order-page-error">
        {back}
        <h1 className="page-title" ref={heading} tabIndex={-1}>
          {title}
        </h1>
        {notFound ? (
          <div className="panel" role="alert">
            <p>{describeError(load.error)}</p>
          </div>
        ) : (
          <LoadError what="this order" error={load.error} onRetry={load.retry} />
        )}
      </div>
    );
  }
  const { order, events } = load.view;
  return (
    <div className="order-page">
      <section className="panel order-summary" aria-labelledby="order-title">
        {back}
        <div className="order-title-row">
          <h1 id="order-title" ref={heading} tabIndex={-1}>
            {title}
          </h1>
          <span
            className={`status status-${order.status}`}
            data-testid="order-status"
            data-status={order.status}
            aria-live="polite"
            tabIndex={-1}
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
        <OrderActions
          order={order}
          user={props.user}
          onChanged={load.merge}
          onConflict={load.refresh}
          focusAfter="[data-testid='order-status']"
        />
      </section>
      <Chat orderId={order.id} messages={chatMessages(load.view)} user={props.user} older={load.older} />
    </div>
  );
}
