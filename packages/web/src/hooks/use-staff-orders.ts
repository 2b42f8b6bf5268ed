/**
 * The staff's orders (SPEC §7): the active ones live by status on the board, the finished ones in
 * a paginated history, and a search. One `orders` feed keeps what is shown live. Its catch-up
 * after each (re)subscribe reads the active statuses side by side (one round trip) and, after a
 * reconnect, only the orders that finished since the last change it saw: never all history.
 */
import { isTerminal, orderStatuses } from "@live-orders/core/order-status";
import type { Order, OrderStatus } from "@live-orders/core/protocol";
import { useCallback, useEffect, useRef, useState } from "react";
import { applyReadToOrders, applyToOrders, mergeOrders } from "../order-state";
import type { FeedSubscription } from "../realtime/client";
import { type ListOrdersPage, sideBySide } from "../realtime/listings";
import { useOnConnectionReturn } from "./use-connection-return";
import { type MorePages, useMorePages } from "./use-more-pages";
import { useConnectionState, useRealtime } from "./use-realtime";

export const activeStatuses: readonly OrderStatus[] = orderStatuses.filter((status) => !isTerminal(status));
export const finishedStatuses: readonly OrderStatus[] = orderStatuses.filter((status) => isTerminal(status));

/** A status's whole column is read per catch-up: a kitchen's open orders, 100 a page. */
const activePageSize = 100;
/**
 * The catch-up after a reconnect lists what finished since the latest change seen, less this
 * margin: an event written just before that one may still have been on its way when the
 * connection dropped (fan-out takes well under a second; a minute leaves room for clock skew).
 */
export const finishedCatchUpMarginMs = 60_000;

export type BoardLoad =
  | { state: "loading" }
  | { state: "error"; error?: Error; retry: () => void }
  | { state: "ready"; refreshError?: Error; retry: () => void };

export interface StaffOrders {
  board: BoardLoad;
  /** Every order known: the active ones, history pages loaded, search results. */
  orders: ReadonlyMap<string, Order>;
  /** History pages of one finished status at a time. */
  history: MorePages;
  /** Search results (ids, in the server's order) and their pages. */
  search: { ids: string[]; more: MorePages };
  setSearch(q: string): void;
  setHistoryStatus(status: OrderStatus): void;
  historyStatus: OrderStatus;
  merge(order: Order): void;
}

export function useStaffOrders(): StaffOrders {
  const client = useRealtime();
  const connection = useConnectionState();
  const [orders, setOrders] = useState<Map<string, Order>>(new Map());
  const [listed, setListed] = useState(false);
  const [listingError, setListingError] = useState<Error | undefined>(undefined);
  const feed = useRef<FeedSubscription | null>(null);
  /** The latest server time seen (an event's `at`, an order's `updatedAt`). */
  const latestChange = useRef<string | undefined>(undefined);

  const addOrders = useCallback((page: readonly Order[]) => {
    feed.current?.know(page);
    setOrders((current) => mergeOrders(current, page));
  }, []);

  useEffect(() => {
    const noteChange = (at: string) => {
      if (latestChange.current === undefined || at > latestChange.current) latestChange.current = at;
    };
    const page =
      (query: { status: OrderStatus; updatedAfter?: string }): ListOrdersPage =>
      (cursor) =>
        client.api.listOrders({ ...query, limit: activePageSize, ...(cursor ? { cursor } : {}) });
    let round: ListOrdersPage = sideBySide([]);
    const listing: ListOrdersPage = (cursor) => {
      if (cursor === undefined) {
        const since = latestChange.current;
        const updatedAfter =
          since === undefined ? undefined : new Date(Date.parse(since) - finishedCatchUpMarginMs).toISOString();
        round = sideBySide([
          ...activeStatuses.map((status) => page({ status })),
          ...(updatedAfter === undefined ? [] : finishedStatuses.map((status) => page({ status, updatedAfter }))),
        ]);
      }
      return round(cursor);
    };
    const subscription = client.subscribeOrders({
      listing,
      followListedOnly: true,
      onSnapshot: (snapshot) => {
        for (const order of snapshot) noteChange(order.updatedAt);
        setListingError(undefined);
        setListed(true);
        setOrders((current) => mergeOrders(current, snapshot));
      },
      onEvent: (event) => {
        noteChange(event.at);
        setOrders((current) => applyToOrders(current, event, "staff"));
      },
      onListingError: setListingError,
    });
    feed.current = subscription;
    // Staff read an order (here, in another tab, or a colleague): its card's badge clears.
    const stopReads = client.signals.onRead((read) =>
      setOrders((current) => applyReadToOrders(current, read, "staff")),
    );
    return () => {
      feed.current = null;
      stopReads();
      subscription.unsubscribe();
    };
  }, [client]);

  const retry = useCallback(() => {
    if (client.state === "reconnecting") client.transport.reconnect();
    else feed.current?.retryListing();
  }, [client]);
  useOnConnectionReturn(retry, listingError !== undefined);

  const [historyStatus, setHistoryStatusState] = useState<OrderStatus>("delivered");
  const history = useMorePages(
    (cursor) => client.api.listOrders({ status: historyStatus, ...(cursor ? { cursor } : {}) }),
    addOrders,
    "",
  );
  const setHistoryStatus = useCallback(
    (status: OrderStatus) => {
      setHistoryStatusState(status);
      history.resetTo("", false);
    },
    [history.resetTo],
  );

  const [q, setQ] = useState("");
  const [searchIds, setSearchIds] = useState<string[]>([]);
  const searchMore = useMorePages(
    (cursor) => client.api.listOrders({ q, ...(cursor ? { cursor } : {}) }),
    (page) => {
      addOrders(page);
      setSearchIds((ids) => [...new Set([...ids, ...page.map((order) => order.id)])]);
    },
  );
  const setSearch = useCallback(
    (next: string) => {
      setQ(next);
      setSearchIds([]);
      searchMore.resetTo(next.trim() ? "" : undefined, false);
    },
    [searchMore.resetTo],
  );

  const merge = useCallback((order: Order) => setOrders((current) => mergeOrders(current, [order])), []);

  let board: BoardLoad;
  if (!listed) {
    board =
      listingError || connection === "offline" || connection === "reconnecting"
        ? { state: "error", ...(listingError ? { error: listingError } : {}), retry }
        : { state: "loading" };
  } else board = { state: "ready", ...(listingError ? { refreshError: listingError } : {}), retry };

  return {
    board,
    orders,
    history,
    search: { ids: searchIds, more: searchMore },
    setSearch,
    setHistoryStatus,
    historyStatus,
    merge,
  };
}
