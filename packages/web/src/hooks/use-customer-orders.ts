/**
 * "My orders" (SPEC §7): every order reachable page by page, every open one live on ONE
 * subscription (`customer:{customerId}`), whatever page it is on. The feed's catch-up after each
 * (re)subscribe re-reads the pages the customer has loaded (firstOrders), not the whole history;
 * events of orders on pages not loaded yet are dropped (their page brings them current).
 */
import type { Order } from "@live-orders/core/protocol";
import { useCallback, useEffect, useRef, useState } from "react";
import { applyReadToOrders, applyToOrders, mergeOrders } from "../order-state";
import type { FeedSubscription } from "../realtime/client";
import { firstOrders } from "../realtime/listings";
import { useOnConnectionReturn } from "./use-connection-return";
import { type MorePages, useMorePages } from "./use-more-pages";
import { useConnectionState, useRealtime } from "./use-realtime";

export type ListLoad =
  | { state: "loading" }
  | { state: "error"; error?: Error; retry: () => void }
  | { state: "ready"; orders: Order[]; refreshError?: Error; retry: () => void };

export function newestFirst(orders: Iterable<Order>): Order[] {
  return [...orders].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
}

export function useCustomerOrders(customerId: string): ListLoad & { more: MorePages; add: (order: Order) => void } {
  const client = useRealtime();
  const connection = useConnectionState();
  const [orders, setOrders] = useState<Map<string, Order> | null>(null);
  const [listingError, setListingError] = useState<Error | undefined>(undefined);
  const shown = useRef(0);
  shown.current = orders?.size ?? 0;
  const feed = useRef<FeedSubscription | null>(null);
  const more = useMorePages(
    (cursor) => client.api.listOrders({ cursor }),
    (page) => {
      feed.current?.know(page);
      setOrders((current) => mergeOrders(current ?? new Map(), page));
    },
  );
  const { resetTo } = more;

  useEffect(() => {
    const listing = firstOrders(
      (cursor) => client.api.listOrders(cursor ? { cursor } : {}),
      () => shown.current,
      resetTo,
    );
    const subscription = client.subscribeCustomerOrders(customerId, {
      listing,
      followListedOnly: true,
      onSnapshot: (listed) => {
        setListingError(undefined);
        setOrders((current) => mergeOrders(current ?? new Map(), listed));
      },
      onEvent: (event) => setOrders((current) => (current ? applyToOrders(current, event, "customer") : current)),
      onListingError: setListingError,
    });
    feed.current = subscription;
    // Read on another device: the card's badge clears here too.
    const stopReads = client.signals.onRead((read) =>
      setOrders((current) => (current ? applyReadToOrders(current, read, "customer") : current)),
    );
    return () => {
      feed.current = null;
      stopReads();
      subscription.unsubscribe();
    };
  }, [client, customerId, resetTo]);

  const retry = useCallback(() => {
    if (client.state === "reconnecting") client.transport.reconnect();
    else feed.current?.retryListing();
  }, [client]);
  // The feed's own catch-up runs on every reconnect; a listing that failed while connected is
  // read again when the network comes back.
  useOnConnectionReturn(retry, listingError !== undefined);

  const add = useCallback((order: Order) => {
    feed.current?.know([order]);
    setOrders((current) => mergeOrders(current ?? new Map(), [order]));
  }, []);

  const base = { more, add };
  if (orders === null) {
    // Not listed yet: a connection that is down, or a listing that failed, is a failed load.
    if (listingError || connection === "offline" || connection === "reconnecting")
      return { state: "error", ...(listingError ? { error: listingError } : {}), retry, ...base };
    return { state: "loading", ...base };
  }
  return {
    state: "ready",
    orders: newestFirst(orders.values()),
    ...(listingError ? { refreshError: listingError } : {}),
    retry,
    ...base,
  };
}
