/**
 * Staff: the live board of active orders by status, the paginated history of finished ones, and
 * a search by order number or customer name (SPEC §7 hooks `order-search`, `load-more`,
 * `load-error`). Board and history are one screen with two views, sharing one `orders` feed.
 */
import type { Order, OrderStatus } from "@live-orders/core/protocol";
import { type ReactNode, useEffect, useState } from "react";
import type { SignedInUser } from "../auth";
import type { MorePages } from "../hooks/use-more-pages";
import { useScreen } from "../hooks/use-screen";
import { activeStatuses, finishedStatuses, type StaffOrders, useStaffOrders } from "../hooks/use-staff-orders";
import { statusLabel } from "../order-state";
import { LoadError } from "./load-error";
import { LoadMore } from "./load-more";
import { OrderActions } from "./order-actions";
import { OrderCard } from "./order-card";

export type StaffView = "board" | "history";

/** Typing pauses this long before a search is sent. */
const searchDelayMs = 300;

export function StaffHome(props: { user: SignedInUser; view: StaffView }) {
  const staff = useStaffOrders();
  const [query, setQuery] = useState("");
  const searching = query.trim().length > 0;
  const title = searching ? "Search orders" : props.view === "history" ? "Order history" : "Orders board";
  const heading = useScreen(title);
  const [focusOrder, setFocusOrder] = useState<string | null>(null);
  const { setSearch } = staff;

  useEffect(() => {
    const timer = setTimeout(() => setSearch(query.trim()), searchDelayMs);
    return () => clearTimeout(timer);
  }, [query, setSearch]);

  // A card a status change moved to another column keeps the focus there (not lost to body).
  useEffect(() => {
    if (!focusOrder) return;
    const card = document.querySelector<HTMLElement>(
      `[data-testid="order-card"][data-order-id="${CSS.escape(focusOrder)}"]`,
    );
    if (!card) return;
    (card.querySelector<HTMLElement>("button.primary") ?? card.querySelector<HTMLElement>("a"))?.focus();
    setFocusOrder(null);
  });

  const actions = (order: Order) => (
    <OrderActions
      order={order}
      user={props.user}
      compact
      onChanged={(changed) => {
        staff.merge(changed);
        setFocusOrder(changed.id);
      }}
    />
  );

  return (
    <div className="staff-home">
      <div className="staff-toolbar">
        <h1 className="page-title" ref={heading} tabIndex={-1}>
          {title}
        </h1>
        <nav className="staff-views" aria-label="Staff views">
          <a href="#/" aria-current={props.view === "board" && !searching ? "page" : undefined}>
            Board
          </a>
          <a href="#/history" aria-current={props.view === "history" && !searching ? "page" : undefined}>
            History
          </a>
        </nav>
        <search className="order-search">
          <label htmlFor="order-search-input" className="visually-hidden">
            Search orders by order number or customer name
          </label>
          <input
            id="order-search-input"
            type="search"
            data-testid="order-search"
            placeholder="Search: order number or customer name"
            autoComplete="off"
            value={query}
            onChange={(event) => setQuery(event.target.value)}
          />
        </search>
      </div>
      {searching ? (
        <SearchResults staff={staff} query={query.trim()} actions={actions} />
      ) : props.view === "history" ? (
        <History staff={staff} actions={actions} />
      ) : (
        <Board staff={staff} actions={actions} />
      )}
    </div>
  );
}

type Actions = (order: Order) => ReactNode;

function Board(props: { staff: StaffOrders; actions: Actions }) {
  const { board, orders } = props.staff;
  if (board.state === "loading")
    return (
      <p className="panel muted" role="status">
        Loading the board…
      </p>
    );
  if (board.state === "error")
    return <LoadError what="the board" {...(board.error ? { error: board.error } : {})} onRetry={board.retry} />;
  const byStatus = new Map<OrderStatus, Order[]>(activeStatuses.map((status) => [status, []]));
  for (const order of orders.values()) byStatus.get(order.status)?.push(order);
  return (
    <>
      {board.refreshError ? (
        <LoadError what="the latest changes" error={board.refreshError} onRetry={board.retry} compact />
      ) : null}
      <section className="board" aria-label="Active orders by status">
        {activeStatuses.map((status) => {
          const column = byStatus.get(status)!.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
          return (
            <section key={status} className="board-column" aria-labelledby={`column-${status}`}>
              <h2 id={`column-${status}`} className="board-column-title">
                {statusLabel[status]} <span className="count">{column.length}</span>
              </h2>
              <div className="board-column-cards">
                {column.map((order) => (
                  <OrderCard key={order.id} order={order} viewer="staff">
                    {props.actions(order)}
                  </OrderCard>
                ))}
                {column.length === 0 ? <p className="muted board-empty">None</p> : null}
              </div>
            </section>
          );
        })}
      </section>
    </>
  );
}

function History(props: { staff: StaffOrders; actions: Actions }) {
  const { staff } = props;
  const { history, historyStatus } = staff;
  useFirstPage(history);
  const shown = [...staff.orders.values()]
    .filter((order) => order.status === historyStatus)
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || b.id.localeCompare(a.id));
  return (
    <section className="panel history" aria-labelledby="history-list-title">
      <div className="history-head">
        <h2 id="history-list-title">{statusLabel[historyStatus]} orders</h2>
        <fieldset className="chips">
          <legend className="visually-hidden">Show</legend>
          {finishedStatuses.map((status) => (
            <button
              key={status}
              type="button"
              aria-pressed={status === historyStatus}
              onClick={() => staff.setHistoryStatus(status)}
            >
              {statusLabel[status]}
            </button>
          ))}
        </fieldset>
      </div>
      <OrderPages
        more={history}
        orders={shown}
        what={`${statusLabel[historyStatus].toLowerCase()} orders`}
        empty="None yet."
        actions={props.actions}
      />
    </section>
  );
}

function SearchResults(props: { staff: StaffOrders; query: string; actions: Actions }) {
  const { search, orders } = props.staff;
  useFirstPage(search.more);
  const shown = search.ids.flatMap((id) => {
    const order = orders.get(id);
    return order ? [order] : [];
  });
  return (
    <section className="panel history" aria-labelledby="search-title">
      <h2 id="search-title">Orders matching “{props.query}”</h2>
      <OrderPages
        more={search.more}
        orders={shown}
        what="matching orders"
        empty="No order matches."
        actions={props.actions}
      />
    </section>
  );
}

/** Reads a list's first page when it has none (on opening, after a reset). */
function useFirstPage(more: MorePages): void {
  const { loaded, loading, error, available, load } = more;
  useEffect(() => {
    if (!loaded && !loading && !error && available) load();
  }, [loaded, loading, error, available, load]);
}

function OrderPages(props: { more: MorePages; orders: Order[]; what: string; empty: string; actions: Actions }) {
  const { more } = props;
  if (!more.loaded) {
    if (more.error) return <LoadError what={props.what} error={more.error} onRetry={more.load} compact />;
    return (
      <p className="muted" role="status">
        Loading {props.what}…
      </p>
    );
  }
  return (
    <>
      {props.orders.length === 0 ? <p className="muted">{props.empty}</p> : null}
      <div className="order-list history-list">
        {props.orders.map((order) => (
          <OrderCard key={order.id} order={order} viewer="staff">
            {props.actions(order)}
          </OrderCard>
        ))}
      </div>
      <LoadMore more={more} what={`more ${props.what}`} />
    </>
  );
}
