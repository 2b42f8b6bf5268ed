/**
 * "Load more" of a paginated listing (SPEC §7 hook `load-more`): the next page by its cursor,
 * its failure shown with a retry and retried by itself when the connection returns.
 * A cursor of "" reads the first page; undefined means there is nothing more.
 */
import type { Order } from "@live-orders/core/protocol";
import { useCallback, useRef, useState } from "react";
import { useOnConnectionReturn } from "./use-connection-return";

export type OrdersPage = { orders: Order[]; cursor?: string };

export interface MorePages {
  /** A further page exists. */
  available: boolean;
  /** A page has been read since the last reset (a first page: the list is not merely empty). */
  loaded: boolean;
  loading: boolean;
  error?: Error;
  load(): void;
  /** Where the next page starts ("": the first; undefined: the end), e.g. after a listing read elsewhere. */
  resetTo(cursor: string | undefined, loaded?: boolean): void;
}

export function useMorePages(
  loadPage: (cursor: string) => Promise<OrdersPage>,
  onPage: (orders: Order[]) => void,
  initialCursor?: string,
): MorePages {
  const [cursor, setCursor] = useState<string | undefined>(initialCursor);
  const [loaded, setLoaded] = useState(false);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<Error | undefined>(undefined);
  const current = useRef({ cursor: initialCursor, reads: 0 });
  const loadingRef = useRef(false);
  const callbacks = useRef({ loadPage, onPage });
  callbacks.current = { loadPage, onPage };

  const load = useCallback(() => {
    const from = current.current.cursor;
    if (from === undefined || loadingRef.current) return;
    loadingRef.current = true;
    const read = ++current.current.reads;
    setLoading(true);
    setError(undefined);
    callbacks.current.loadPage(from).then(
      (page) => {
        // A reset meanwhile (a new listing, a new search) owns the list now: this page is stale,
        // and so is its "done loading" (another read may be under way).
        if (current.current.reads !== read) return;
        loadingRef.current = false;
        setLoading(false);
        callbacks.current.onPage(page.orders);
        current.current.cursor = page.cursor;
        setCursor(page.cursor);
        setLoaded(true);
      },
      (failure: Error) => {
        if (current.current.reads !== read) return;
        loadingRef.current = false;
        setLoading(false);
        setError(failure);
      },
    );
  }, []);
  useOnConnectionReturn(load, error !== undefined);
  const resetTo = useCallback((next: string | undefined, wasLoaded = true) => {
    current.current = { cursor: next, reads: current.current.reads + 1 };
    loadingRef.current = false;
    setCursor(next);
    setLoaded(wasLoaded);
    setLoading(false);
    setError(undefined);
  }, []);
  return { available: cursor !== undefined, loaded, loading, ...(error ? { error } : {}), load, resetTo };
}
