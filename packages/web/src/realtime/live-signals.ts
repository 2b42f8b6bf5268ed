/**
 * What the server says besides events (SPEC §4): who is typing, how far the other side has read,
 * whether staff are online. None of it is stored or sequenced: each frame is the latest word, a
 * lost one is mended by the next (typing repeats while someone types, `read` positions only grow,
 * presence comes with every `subscribed` and heartbeat).
 *
 * Staff presence has an end: `staffOnlineUntil` is when the newest staff heartbeat's window ends.
 * At that time this module asks again (a heartbeat, `probe`), so a staff browser that died
 * without `$disconnect` shows offline then, not at this client's next regular heartbeat.
 */
import { type ServerFrame, typingIntervalMs } from "@live-orders/core/protocol";

export type TypingFrame = Extract<ServerFrame, { type: "typing" }>;
export type ReadFrame = Extract<ServerFrame, { type: "read" }>;

export interface StaffPresenceState {
  /** Undefined until the server said (no order watched yet). */
  staffOnline: boolean | undefined;
}

export interface LiveSignalsOptions {
  /** Send one frame (the transport's `send`); false when it could not be sent. */
  send: (frame: object) => void;
  /** Ask the server now (a heartbeat): its reply brings the current presence. */
  probe: () => void;
  now?: () => number;
  setTimer?: (run: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

/** After `staffOnlineUntil`, so the staff heartbeat the window waited for has had its chance. */
const probeSlackMs = 250;

export class LiveSignals {
  #options: Required<LiveSignalsOptions>;
  #presence: StaffPresenceState = { staffOnline: undefined };
  #presenceListeners = new Set<(state: StaffPresenceState) => void>();
  #typingListeners = new Set<(frame: TypingFrame) => void>();
  #readListeners = new Set<(frame: ReadFrame) => void>();
  #lastTypingSent = new Map<string, number>();
  #probeTimer: unknown;

  constructor(options: LiveSignalsOptions) {
    this.#options = {
      now: () => Date.now(),
      setTimer: (run, ms) => setTimeout(run, ms),
      clearTimer: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
      ...options,
    };
  }

  get presence(): StaffPresenceState {
    return this.#presence;
  }

  onPresence(listener: (state: StaffPresenceState) => void): () => void {
    this.#presenceListeners.add(listener);
    return () => this.#presenceListeners.delete(listener);
  }

  onTyping(listener: (frame: TypingFrame) => void): () => void {
    this.#typingListeners.add(listener);
    return () => this.#typingListeners.delete(listener);
  }

  onRead(listener: (frame: ReadFrame) => void): () => void {
    this.#readListeners.add(listener);
    return () => this.#readListeners.delete(listener);
  }

  /** The user is typing on `orderId`: at most one frame a second per order. True when one was sent. */
  typing(orderId: string): boolean {
    const now = this.#options.now();
    const last = this.#lastTypingSent.get(orderId);
    if (last !== undefined && now - last < typingIntervalMs) return false;
    this.#lastTypingSent.set(orderId, now);
    this.#options.send({ action: "typing", orderId });
    return true;
  }

  /** The user has seen the order's events up to `seq`. */
  markRead(orderId: string, seq: number): void {
    this.#options.send({ action: "markRead", orderId, seq });
  }

  /** A `presence` frame, or the presence a `subscribed` carried. */
  presenceSaid(staffOnline: boolean, staffOnlineUntil: string | undefined): void {
    this.#options.clearTimer(this.#probeTimer);
    this.#probeTimer = undefined;
    if (staffOnline && staffOnlineUntil !== undefined) {
      const wait = Math.max(0, Date.parse(staffOnlineUntil) - this.#options.now()) + probeSlackMs;
      this.#probeTimer = this.#options.setTimer(() => {
        this.#probeTimer = undefined;
        this.#options.probe();
      }, wait);
    }
    if (this.#presence.staffOnline === staffOnline) return;
    this.#presence = { staffOnline };
    for (const listener of this.#presenceListeners) listener(this.#presence);
  }

  /** Routes a frame of this module's kinds; false for any other frame. */
  received(frame: ServerFrame): boolean {
    switch (frame.type) {
      case "typing":
        for (const listener of this.#typingListeners) listener(frame);
        return true;
      case "read":
        for (const listener of this.#readListeners) listener(frame);
        return true;
      case "presence":
        this.presenceSaid(frame.staffOnline, frame.staffOnlineUntil);
        return true;
      default:
        return false;
    }
  }

  close(): void {
    this.#options.clearTimer(this.#probeTimer);
  }
}
