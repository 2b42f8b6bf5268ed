/**
 * One order, live: the REST snapshot (the order and its newest page of events), then every later
 * event from its topic; older events page in on demand. A failed load offers a retry and retries
 * by itself when the connection returns.
 */

import type { Order, OrderEvent, ReadPositions, Role } from "@live-orders/core/protocol";
import { useCallback, useEffect, useRef, useState } from "react";
import { applyRead, applyToView, mergeIntoView, type OrderView, withOlderEvents } from "../order-state";
import { useOnConnectionReturn } from "./use-connection-return";
import { useRealtime } from "./use-realtime";

export type OrderLoad =
  | { state: "loading" }
  | { state: "error"; error: Error }
  | { state: "ready"; view: OrderView; older: OlderEvents; readPositions: ReadPositions };

export interface OlderEvents {
  /** Events before the first one shown exist. */
  available: boolean;
  loading: boolean;
  error?: Error;
  load(): void;
}

/** `viewer`: whose page it is (their side's unread count and read position). */
export function useOrder(
  orderId: string,
  viewer: Role,
): OrderLoad & { merge: (order: Order) => void; retry: () => void; refresh: () => void } {
  const client = useRealtime();
  const [load, setLoad] = useState<
    | { state: "loading" }
    | { state: "error"; error: Error }
    | { state: "ready"; view: OrderView; readPositions: ReadPositions }
  >({
    state: "loading",
  });
  const [attempt, setAttempt] = useState(0);
  const [older, setOlder] = useState<{ cursor?: string; loading: boolean; error?: Error }>({ loading: false });

  // biome-ignore lint/correctness/useExhaustiveDependencies: `attempt` is what a retry changes
  useEffect(() => {
    let cancelled = false;
    let unsubscribe = () => {};
    setLoad({ state: "loading" });
    client.api.getOrder(orderId).then(
      ({ order, events, cursor, readPositions }) => {
        if (cancelled) return;
        const sorted = [...events].sort((a, b) => a.seq - b.seq);
        const since = Math.max(order.seq, sorted.at(-1)?.seq ?? 0);
        setLoad({
          state: "ready",
          view: { order: { ...order, seq: since }, events: sorted },
          readPositions: readPositions ?? {},
        });
        setOlder({ loading: false, ...(cursor ? { cursor } : {}) });
        const subscription = client.subscribeOrder(orderId, {
          since,
          onEvent: (event: OrderEvent) =>
            setLoad((current) =>
              current.state === "ready" ? { ...current, view: applyToView(current.view, event, viewer) } : current,
            ),
          onError: (error) => setLoad({ state: "error", error }),
        });
        // Read positions only grow: the newest `read` frame of either side is kept.
        const stopReads = client.signals.onRead((read) => {
          if (read.orderId !== orderId) return;
          setLoad((current) => {
            if (current.state !== "ready") return current;
            const known = current.readPositions[read.role] ?? 0;
            if (read.seq <= known) return current;
            const order = applyRead(current.view.order, read, viewer);
            return {
              ...current,
              view: order === current.view.order ? current.view : { ...current.view, order },
              readPositions: { ...current.readPositions, [read.role]: read.seq },
            };
          });
        });
        unsubscribe = () => {
          stopReads();
          subscription.unsubscribe();
        };
      },
      (error: Error) => {
        if (!cancelled) setLoad({ state: "error", error });
      },
    );
    return () => {
      cancelled = true;
      unsubscribe();
    };
  }, [client, orderId, attempt, viewer]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  // A load that failed for want of a connection is tried again when it returns (a NOT_FOUND is not).
  const retriable = load.state === "error" && (load.error as { code?: string }).code !== "NOT_FOUND";
  useOnConnectionReturn(retry, retriable);

  const loadingOlder = useRef(false);
  const loadOlder = useCallback(() => {
    const cursor = older.cursor;
    if (!cursor || loadingOlder.current) return;
    loadingOlder.current = true;
    setOlder((current) => ({ ...current, loading: true, error: undefined }));
    client.api.events(orderId, { cursor }).then(
      (page) => {
        loadingOlder.current = false;
        setLoad((current) =>
          current.state === "ready" ? { ...current, view: withOlderEvents(current.view, page.events) } : current,
        );
        setOlder({ loading: false, ...(page.cursor ? { cursor: page.cursor } : {}) });
      },
      (error: Error) => {
        loadingOlder.current = false;
        setOlder((current) => ({ ...current, loading: false, error }));
      },
    );
  }, [client, orderId, older.cursor]);

  const merge = useCallback(
    (order: Order) =>
      setLoad((current) =>
        current.state === "ready" ? { ...current, view: mergeIntoView(current.view, order) } : current,
      ),
    [],
  );
  /** Read the order again and fold in what is newer (after a 409: the page was behind). */
  const refresh = useCallback(() => {
    client.api.getOrder(orderId).then(
      ({ order, events }) =>
        setLoad((current) => {
          if (current.state !== "ready") return current;
          let view = mergeIntoView(current.view, order);
          for (const event of [...events].sort((a, b) => a.seq - b.seq)) view = applyToView(view, event, viewer);
          return { ...current, view };
        }),
      () => {}, // the live subscription and its gap filler catch up anyway
    );
  }, [client, orderId, viewer]);
  const base = { merge, retry, refresh };
  if (load.state !== "ready") return { ...load, ...base };
  return {
    ...load,
    older: {
      available: older.cursor !== undefined,
      loading: older.loading,
      ...(older.error ? { error: older.error } : {}),
      load: loadOlder,
    },
    ...base,
  };
}
