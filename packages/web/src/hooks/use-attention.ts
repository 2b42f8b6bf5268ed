/**
 * While the tab is hidden, what happened to the user's orders calls them back (SPEC §7): a new
 * message from the other side or a status change someone else made (for staff, a new order too)
 * counts as `(N) ` in front of `document.title`, shows a browser notification where the user
 * allowed them, and plays a short sound if they turned it on. All cleared when the tab is looked
 * at again. Counted are the events of the topics the open screen holds: the board's or "My
 * orders"' feed, or the open order's.
 */
import type { OrderEvent } from "@live-orders/core/protocol";
import { useEffect, useSyncExternalStore } from "react";
import type { SignedInUser } from "../auth";
import { shortId, statusLabel } from "../order-state";
import { useRealtime } from "./use-realtime";

/** Whether an event is news to `user`: done by someone else, and of a kind that calls for attention. */
export function isNewsFor(event: OrderEvent, user: Pick<SignedInUser, "userId" | "role">): boolean {
  switch (event.kind) {
    case "chat.message":
      return event.from.userId !== user.userId;
    case "order.status":
      return event.by.userId !== user.userId;
    case "order.created":
      return user.role === "staff";
    default:
      return false;
  }
}

/** `document.title` with `count` in front, or without any count. */
export function titleWithCount(title: string, count: number): string {
  const bare = title.replace(/^\(\d+\) /, "");
  return count > 0 ? `(${count}) ${bare}` : bare;
}

function describe(event: OrderEvent): { title: string; body: string } {
  const title = `Order #${shortId(event.orderId)}`;
  switch (event.kind) {
    case "chat.message":
      return { title, body: `${event.from.role === "staff" ? "Staff" : "Customer"}: ${event.text}` };
    case "order.status":
      return { title, body: `Now ${statusLabel[event.status].toLowerCase()}` };
    default:
      return { title, body: "New order" };
  }
}

export function useAttention(user: SignedInUser): void {
  const client = useRealtime();
  useEffect(() => {
    const counted = new Set<string>();
    const shown: Notification[] = [];
    const stop = client.onPushedEvent((event) => {
      if (document.visibilityState !== "hidden" || !isNewsFor(event, user)) return;
      const key = `${event.orderId}#${event.seq}`;
      if (counted.has(key)) return;
      counted.add(key);
      document.title = titleWithCount(document.title, counted.size);
      if ("Notification" in window && Notification.permission === "granted") {
        const { title, body } = describe(event);
        shown.push(new Notification(title, { body, tag: event.orderId }));
      }
      if (soundSetting.get()) playChime();
    });
    const onVisible = () => {
      if (document.visibilityState !== "visible") return;
      counted.clear();
      document.title = titleWithCount(document.title, 0);
      for (const notification of shown.splice(0)) notification.close();
    };
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      stop();
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [client, user]);
}

const soundKey = "live-orders:sound";
const soundListeners = new Set<() => void>();

/** The sound toggle, off by default, remembered in this browser. */
export const soundSetting = {
  get: (): boolean => localStorage.getItem(soundKey) === "on",
  set(on: boolean): void {
    localStorage.setItem(soundKey, on ? "on" : "off");
    for (const listener of soundListeners) listener();
  },
};

export function useSoundSetting(): boolean {
  return useSyncExternalStore((notify) => {
    soundListeners.add(notify);
    return () => soundListeners.delete(notify);
  }, soundSetting.get);
}

let audio: AudioContext | undefined;

/** Two short tones, made on the spot (nothing to download, nothing the CSP must allow). */
function playChime(): void {
  try {
    audio ??= new AudioContext();
    const start = audio.currentTime;
    for (const [offset, frequency] of [
      [0, 880],
      [0.15, 1175],
    ] as const) {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = frequency;
      gain.gain.setValueAtTime(0.15, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.001, start + offset + 0.14);
      tone.connect(gain).connect(audio.destination);
      tone.start(start + offset);
      tone.stop(start + offset + 0.15);
    }
  } catch {
    // No audio output (or not allowed yet): the title and the notification still tell.
  }
}
