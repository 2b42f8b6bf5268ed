/** Customer: my orders (live) and the menu to place a new one. */
import { isTerminal } from "@live-orders/core/order-status";
import type { Order } from "@live-orders/core/protocol";
import { useEffect, useRef, useState } from "react";
import { describeError } from "../errors";
import { navigate, orderHref } from "../hooks/use-hash-route";
import { useRealtime } from "../hooks/use-realtime";
import { applyToOrders, mergeOrders } from "../order-state";
import { OrderCard } from "./order-card";
import { PlaceOrder } from "./place-order";
import { useToast } from "./toasts";

/** Live updates for the newest open orders; older ones are history and load on their page. */
const liveOrderLimit = 20;

export function CustomerHome() {
  const client = useRealtime();
  const toast = useToast();
  const [orders, setOrders] = useState<Map<string, Order> | null>(null);

  useEffect(() => {
    let cancelled = false;
    client.api.listOrders().then(
      ({ orders: listed }) => !cancelled && setOrders((current) => mergeOrders(current ?? new Map(), listed)),
      (error: Error) => {
        if (cancelled) return;
        setOrders(new Map());
        toast.error(`Could not load your orders: ${describeError(error)}`);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [client, toast]);

  // Customers may not read the staff feed, so each open order is its own subscription. The
  // effect re-runs only when the set of open orders changes, not on every event; `since` comes
  // from the latest state through the ref.
  const latest = useRef(orders);
  latest.current = orders;
  const openIds = [...(orders?.values() ?? [])]
    .filter((order) => !isTerminal(order.status))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .slice(0, liveOrderLimit)
    .map((order) => order.id)
    .join(",");
  useEffect(() => {
    if (!openIds) return;
    const subscriptions = openIds.split(",").map((orderId) =>
      client.subscribeOrder(orderId, {
        since: latest.current?.get(orderId)?.seq ?? 0,
        onEvent: (event) => setOrders((current) => (current ? applyToOrders(current, event) : current)),
      }),
    );
    return () => {
      for (const subscription of subscriptions) subscription.unsubscribe();
    };
  }, [client, openIds]);

  const sorted = [...(orders?.values() ?? [])].sort((a, b) => b.createdAt.localeCompare(a.createdAt));

  return (
    <div className="customer-home">
      <PlaceOrder
        lastOrder={sorted[0]}
        onPlaced={(order) => {
          setOrders((current) => mergeOrders(current ?? new Map(), [order]));
          navigate(orderHref(order.id));
        }}
      />
      <section className="panel" aria-labelledby="my-orders-title">
        <h2 id="my-orders-title">My orders</h2>
        {orders === null ? (
          <p className="muted">Loading…</p>
        ) : sorted.length === 0 ? (
          <p className="muted">No orders yet. Pick something from the menu.</p>
        ) : (
          <div className="order-list">
            {sorted.map((order) => (
              <OrderCard key={order.id} order={order} />
            ))}
          </div>
        )}
      </section>
    </div>
  );
}
