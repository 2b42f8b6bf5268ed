/**
 * The order page's live signals (SPEC §7): marking what the user saw as read, who is typing on
 * the other side, whether staff are online.
 */
import type { Order, Role } from "@live-orders/core/protocol";
import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import type { TypingFrame } from "../realtime/live-signals";
import { useRealtime } from "./use-realtime";

/**
 * While the page is in view, the other side's messages the user has not read are marked read
 * (`markRead` up to the order's seq): when they arrive, and when the page comes back into view.
 * Once per seq: the `read` frame that follows clears the count.
 */
export function useMarkRead(order: Order | undefined): void {
  const client = useRealtime();
  const sentUpTo = useRef(0);
  const orderId = order?.id;
  const seq = order?.seq ?? 0;
  const unread = order?.unread ?? 0;
  useEffect(() => {
    if (orderId === undefined) return;
    const markIfSeen = () => {
      if (document.visibilityState !== "visible" || unread === 0 || seq <= sentUpTo.current) return;
      sentUpTo.current = seq;
      client.signals.markRead(orderId, seq);
    };
    markIfSeen();
    document.addEventListener("visibilitychange", markIfSeen);
    return () => document.removeEventListener("visibilitychange", markIfSeen);
  }, [client, orderId, seq, unread]);
}

/** How long "typing…" stays after the last typing frame: they repeat every second while typing. */
export const typingShownMs = 4_000;

/** Who on the other side is typing on the order now (undefined: nobody). */
export function useTypingOf(orderId: string, me: { userId: string }): TypingFrame["from"] | undefined {
  const client = useRealtime();
  const [typist, setTypist] = useState<TypingFrame["from"] | undefined>(undefined);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = client.signals.onTyping((frame) => {
      if (frame.orderId !== orderId || frame.from.userId === me.userId) return;
      setTypist(frame.from);
      clearTimeout(timer);
      timer = setTimeout(() => setTypist(undefined), typingShownMs);
    });
    return () => {
      stop();
      clearTimeout(timer);
    };
  }, [client, orderId, me.userId]);
  return typist;
}

/** Whether staff are online, as the server last said (undefined: not said yet). */
export function useStaffOnline(): boolean | undefined {
  const client = useRealtime();
  return useSyncExternalStore(
    (notify) => client.signals.onPresence(notify),
    () => client.signals.presence.staffOnline,
  );
}

/** The other side of `role`. */
export const otherRole = (role: Role): Role => (role === "staff" ? "customer" : "staff");
