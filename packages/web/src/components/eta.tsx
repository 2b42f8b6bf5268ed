/**
 * The ETA (SPEC §7 `order-eta`): a clock time and a countdown that stays current, and the staff's
 * one-click control (10/20/30/45 minutes from now, or clear) → `PATCH /orders/{id}/eta`.
 */
import type { Order } from "@live-orders/core/protocol";
import { useEffect, useState } from "react";
import { describeError } from "../errors";
import { useRealtime } from "../hooks/use-realtime";
import { etaLabel } from "../order-state";
import { useToast } from "./toasts";

/** The countdown moves in minutes: a redraw every 15 s keeps it within a quarter of one. */
const tickMs = 15_000;

function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), tickMs);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/** "Ready by 12:30 (in 18 min)" on one line: cards and the order page. */
export function EtaText(props: { etaAt: string; testId?: string }) {
  const now = useNow();
  const { time, left } = etaLabel(props.etaAt, now);
  return (
    <span className="eta" data-testid={props.testId}>
      ETA <time dateTime={props.etaAt}>{time}</time> ({left})
    </span>
  );
}

export const etaChoicesMinutes = [10, 20, 30, 45] as const;

/** Staff: set the ETA to N minutes from now, or clear it; each is one click. */
export function EtaControl(props: { order: Order; onChanged: (order: Order) => void }) {
  const client = useRealtime();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const set = (etaAt: string | null) => {
    setBusy(true);
    client.api
      .setEta(props.order.id, etaAt)
      .then(props.onChanged, (error: unknown) => toast.error(`ETA not set: ${describeError(error)}`))
      .finally(() => setBusy(false));
  };
  return (
    <fieldset className="eta-control chips">
      <legend>Ready in</legend>
      {etaChoicesMinutes.map((minutes) => (
        <button
          key={minutes}
          type="button"
          aria-disabled={busy}
          onClick={() => !busy && set(new Date(Date.now() + minutes * 60_000).toISOString())}
        >
          {minutes} min
        </button>
      ))}
      {props.order.etaAt ? (
        <button type="button" aria-disabled={busy} onClick={() => !busy && set(null)}>
          Clear ETA
        </button>
      ) : null}
    </fieldset>
  );
}
