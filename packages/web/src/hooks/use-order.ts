/** One order, live: the REST snapshot, then every later event from its topic. */

import type { Order, OrderEvent } from "@live-orders/core/protocol";
import { useCallback, useEffect, useState } from "react";
import { applyToView, mergeIntoView, type OrderView } from "../order-state";
import { useRealtime } from "./use-realtime";

export type OrderLoad = { state: "loading" } | { state: "error"; error: Error } | { state: "ready"; view: OrderView };

export function useOrder(orderId: string): OrderLoad & { merge: (order: Order) => void } {
  const client = useRealtime();
  const [load, setLoad] = useState<OrderLoad>({ state: "loading" });

  useEffect(() => {
    let cancelled = false;
    let unsubscribe = () => {};
    setLoad({ state: "loading" });
    client.api.getOrder(orderId).then(
      ({ order, events }) => {
        if (cancelled) return;
        const sorted = [...events].sort((a, b) => a.seq - b.seq);
        const since = Math.max(order.seq, sorted.at(-1)?.seq ?? 0);
        setLoad({ state: "ready", view: { order: { ...order, seq: since }, events: sorted } });
        const subscription = client.subscribeOrder(orderId, {
          since,
          onEvent: (event: OrderEvent) =>
            setLoad((current) =>
              current.state === "ready" ? { ...current, view: applyToView(current.view, event) } : current,
            ),
          onError: (error) => setLoad({ state: "error", error }),
        });
        unsubscribe = () => subscription.unsubscribe();
      },
      (error: Error) => {
        if (!cancelled) setLoad({ state: "error", error });
      },
    );
    return () => {
      cancelled = true;
      unsubscribe();
    };
  }, [client, orderId]);

  const merge = useCallback(
    (order: Order) =>
      setLoad((current) =>
        current.state === "ready" ? { ...current, view: mergeIntoView(current.view, order) } : current,
      ),
    [],
  );
  return { ...load, merge };
}
