/**
 * Listings a feed's catch-up reads (FeedCatchUp takes one `ListOrdersPage`: a page per cursor),
 * built from the REST listing for what a screen shows:
 *  - `sideBySide`: several listings as one, each step reading the next page of every listing not
 *    done yet in parallel (the staff board's five active statuses: one round trip, not five);
 *  - `firstOrders`: pages of one listing until it has covered `count()` orders (the pages of "My
 *    orders" a customer has loaded; a reconnect re-reads those, not their whole history).
 * The cursor handed back is this module's own (JSON of the inner cursors), opaque to the caller.
 */
import type { Order } from "@live-orders/core/protocol";
import type { ListOrdersPage } from "./feed-catch-up";

export type { ListOrdersPage };

/** Inner cursors: a string continues that listing, null means it is done. */
type SideBySideCursor = (string | null)[];

export function sideBySide(listings: readonly ListOrdersPage[]): ListOrdersPage {
  return async (cursor) => {
    const inner: (string | null | undefined)[] =
      cursor === undefined ? listings.map(() => undefined) : (JSON.parse(cursor) as SideBySideCursor);
    const pages = await Promise.all(
      listings.map((listing, index) => (inner[index] === null ? undefined : listing(inner[index] ?? undefined))),
    );
    const next: SideBySideCursor = pages.map((page) => page?.cursor ?? null);
    const orders: Order[] = pages.flatMap((page) => page?.orders ?? []);
    return next.some((each) => each !== null) ? { orders, cursor: JSON.stringify(next) } : { orders };
  };
}

/**
 * At least one page, then more until `count()` orders are covered. `stoppedAt` gets the inner
 * cursor the reading stopped at (undefined: the listing's end), where a "load more" goes on.
 */
export function firstOrders(
  listing: ListOrdersPage,
  count: () => number,
  stoppedAt?: (cursor: string | undefined) => void,
): ListOrdersPage {
  return async (cursor) => {
    const state = cursor === undefined ? { read: 0 } : (JSON.parse(cursor) as { read: number; inner: string });
    const page = await listing("inner" in state ? state.inner : undefined);
    const read = state.read + page.orders.length;
    if (page.cursor !== undefined && read < count())
      return { orders: page.orders, cursor: JSON.stringify({ read, inner: page.cursor }) };
    stoppedAt?.(page.cursor);
    return { orders: page.orders };
  };
}
