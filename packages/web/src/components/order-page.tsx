/** One order: live status, timeline and chat. Customers see their own; staff see any. */
import type { SignedInUser } from "../auth";
import { describeError } from "../errors";
import { otherRole, useMarkRead, useStaffOnline } from "../hooks/use-live-signals";
import { useOrder } from "../hooks/use-order";
import { useScreen } from "../hooks/use-screen";
import { chatMessages, formatCents, fulfilmentLabel, shortId, statusLabel } from "../order-state";
import { Chat } from "./chat";
import { EtaControl, EtaText } from "./eta";
import { LoadError } from "./load-error";
import { OrderActions } from "./order-actions";
import { StatusTimeline } from "./status-timeline";

export function OrderPage(props: { orderId: string; user: SignedInUser }) {
  const load = useOrder(props.orderId, props.user.role);
  const title = `Order #${shortId(props.orderId)}`;
  const heading = useScreen(title);
  useMarkRead(load.state === "ready" ? load.view.order : undefined);
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
  const staff = props.user.role === "staff";
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
        {staff ? (
          <dl className="order-contact">
            <dt>Customer</dt>
            <dd data-testid="order-customer">{order.contact.name}</dd>
            <dt>Phone</dt>
            <dd>
              <a href={`tel:${order.contact.phone.replace(/[^\d+]/g, "")}`}>{order.contact.phone}</a>
            </dd>
            <dt>{order.fulfilment.type === "delivery" ? "Deliver to" : "Fulfilment"}</dt>
            <dd data-testid="order-address">{fulfilmentLabel(order)}</dd>
          </dl>
        ) : (
          <StaffPresence />
        )}
        <p className="order-eta-line" aria-live="polite">
          {order.etaAt ? <EtaText etaAt={order.etaAt} testId="order-eta" /> : staff ? "No ETA set." : null}
        </p>
        {staff ? <EtaControl order={order} onChanged={load.merge} /> : null}
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
      <Chat
        orderId={order.id}
        messages={chatMessages(load.view)}
        user={props.user}
        older={load.older}
        customerName={order.contact.name}
        otherReadSeq={load.readPositions[otherRole(props.user.role)] ?? 0}
      />
    </div>
  );
}

/** The customer's page says whether staff are there to answer (SPEC §7 `staff-presence`). */
function StaffPresence() {
  const online = useStaffOnline();
  if (online === undefined) return null;
  return (
    <p className={`staff-presence ${online ? "staff-online" : "staff-offline"}`}>
      Staff are{" "}
      <span data-testid="staff-presence" aria-live="polite">
        {online ? "online" : "offline"}
      </span>
    </p>
  );
}
