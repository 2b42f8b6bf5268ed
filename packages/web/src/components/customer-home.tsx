/** Customer: my orders (every one reachable, every open one live) and the menu to place a new one. */

import { useCustomerOrders } from "../hooks/use-customer-orders";
import { navigate, orderHref } from "../hooks/use-hash-route";
import { useScreen } from "../hooks/use-screen";
import { LoadError } from "./load-error";
import { LoadMore } from "./load-more";
import { OrderCard } from "./order-card";
import { PlaceOrder } from "./place-order";

export function CustomerHome(props: { customerId: string }) {
  const heading = useScreen("My orders");
  const list = useCustomerOrders(props.customerId);

  return (
    <div className="customer-home">
      <h1 className="page-title" ref={heading} tabIndex={-1}>
        My orders
      </h1>
      <PlaceOrder
        lastOrder={list.state === "ready" ? list.orders[0] : undefined}
        onPlaced={(order) => {
          list.add(order);
          navigate(orderHref(order.id));
        }}
      />
      <section className="panel" aria-labelledby="my-orders-title" aria-busy={list.state === "loading"}>
        <h2 id="my-orders-title">Your orders</h2>
        {list.state === "loading" ? (
          <p className="muted" role="status">
            Loading your orders…
          </p>
        ) : list.state === "error" ? (
          <LoadError what="your orders" {...(list.error ? { error: list.error } : {})} onRetry={list.retry} compact />
        ) : (
          <>
            {list.refreshError ? (
              <LoadError what="the latest changes" error={list.refreshError} onRetry={list.retry} compact />
            ) : null}
            {list.orders.length === 0 ? (
              <p className="muted">No orders yet. Pick something from the menu.</p>
            ) : (
              <div className="order-list">
                {list.orders.map((order) => (
                  <OrderCard key={order.id} order={order} viewer="customer" />
                ))}
              </div>
            )}
            <LoadMore more={list.more} what="older orders" />
          </>
        )}
      </section>
    </div>
  );
}
