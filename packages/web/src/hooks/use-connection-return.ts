/**
 * "The connection came back": the browser's `online` event, or the realtime connection reaching
 * `connected` after it was not. A failed load retries on it by itself (SPEC §7: a failed load
 * retries when the connection returns), so nobody has to find the Retry button.
 */
import { useEffect, useRef } from "react";
import { useRealtime } from "./use-realtime";

export function useOnConnectionReturn(onReturn: () => void, enabled = true): void {
  const client = useRealtime();
  const latest = useRef(onReturn);
  latest.current = onReturn;
  useEffect(() => {
    if (!enabled) return;
    let wasConnected = client.state === "connected";
    const offState = client.onStateChange((state) => {
      if (state === "connected" && !wasConnected) latest.current();
      wasConnected = state === "connected";
    });
    const online = () => latest.current();
    window.addEventListener("online", online);
    return () => {
      offState();
      window.removeEventListener("online", online);
    };
  }, [client, enabled]);
}
