/** Staff: every order, live, in one column per status. */
import { isTerminal, orderStatuses } from "@live-orders/core/order-status";
import type { Order, OrderStatus } from "@live-orders/core/protocol";
import { useEffect, useState } from "react";
import type { SignedInUser } from "../auth";
import { useRealtime } from "../hooks/use-realtime";
import { applyToOrders, mergeOrders, statusLabel } from "../order-state";
import { OrderActions } from "./order-actions";
import { OrderCard } from "./order-card";

const columns = orderStatuses;
/** Finished orders pile up; the board shows the most recent ones. */
const finishedShown = 10;

export function StaffBoard(props: { user: SignedInUser }) {
  const client = useRealtime();
  const [orders, setOrders] = useState<Map<string, Order> | null>(null);

  useEffect(() => {
    // The client reads GET /orders after each (re)subscribe and hands it over as a snapshot,
    // then delivers each order's later events once, in order.
    const subscription = client.subscribeOrders({
      onSnapshot: (listed) => setOrders((current) => mergeOrders(current ?? new Map(), listed)),
      onEvent: (event) => setOrders((current) => applyToOrders(current ?? new Map(), event)),
    });
    return () => subscription.unsubscribe();
  }, [client]);

  if (orders === null) return <p className="panel muted">Loading the board…</p>;
  const byStatus = new Map<OrderStatus, Order[]>(columns.map((status) => [status, []]));
  for (const order of orders.values()) byStatus.get(order.status)?.push(order);

  return (
    <section className="board" aria-label="Orders by status">
      {columns.map((status) => {
        const finished = isTerminal(status);
        const all = byStatus
          .get(status)!
          .sort((a, b) => (finished ? b.updatedAt.localeCompare(a.updatedAt) : a.createdAt.localeCompare(b.createdAt)));
        const shown = finished ? all.slice(0, finishedShown) : all;
        return (
          <section key={status} className="board-column" aria-labelledby={`column-${status}`}>
            <h2 id={`column-${status}`} className="board-column-title">
              {statusLabel[status]} <span className="count">{all.length}</span>
            </h2>
            {shown.map((order) => (
              <OrderCard key={order.id} order={order}>
                <OrderActions
                  order={order}
                  user={props.user}
                  compact
                  onChanged={(changed) => setOrders((current) => mergeOrders(current ?? new Map(), [changed]))}
                />
              </OrderCard>
            ))}
            {shown.length === 0 ? <p className="muted board-empty">None</p> : null}
          </section>
        );
      })}
    </section>
  );
}
