/** Staff: move an order to its next status or cancel it. Customers: cancel while placed. */
import { canCancel as canCancelOrder, forwardStatus } from "@live-orders/core/order-status";
import type { Order } from "@live-orders/core/protocol";
import { useState } from "react";
import type { SignedInUser } from "../auth";
import { describeError } from "../errors";
import { useRealtime } from "../hooks/use-realtime";
import { shortId, statusLabel } from "../order-state";
import { ConfirmDialog } from "./confirm-dialog";
import { useToast } from "./toasts";

export function OrderActions(props: {
  order: Order;
  user: SignedInUser;
  onChanged: (order: Order) => void;
  /** On a board card: short labels so both buttons fit one row. */
  compact?: boolean;
  /** Where focus goes after a change removed the button pressed (a selector in the document). */
  focusAfter?: string;
  /** The server refused with a 409: what is shown is behind, read it again. */
  onConflict?: () => void;
}) {
  const { order, user } = props;
  const client = useRealtime();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const next = forwardStatus(order.status);
  const canCancel = canCancelOrder(order.status, user.role);
  const number = shortId(order.id);

  async function run(action: () => Promise<Order>, what: string) {
    setBusy(true);
    try {
      // Shown at once from the response (the person who pressed the button should not wait
      // for a reconnect); the event follows over the WebSocket as for everyone else.
      props.onChanged(await action());
      if (props.focusAfter)
        requestAnimationFrame(() => document.querySelector<HTMLElement>(props.focusAfter!)?.focus());
    } catch (error) {
      toast.error(`${what} failed for order #${number}: ${describeError(error)}`);
      if ((error as { code?: string }).code === "CONFLICT") props.onConflict?.();
    } finally {
      setBusy(false);
    }
  }

  if (user.role !== "staff" && !canCancel) return null;
  const markLabel = `Mark ${statusLabel[next ?? order.status].toLowerCase()}`;
  const cancelLabel = props.compact ? "Cancel" : "Cancel order";
  return (
    <div className="order-actions">
      {user.role === "staff" && next ? (
        <button
          type="button"
          className="primary"
          // The visible text first, so speech input ("click Mark ready") finds the button (WCAG 2.5.3).
          aria-label={`${markLabel}: order #${number}`}
          disabled={busy}
          onClick={() => run(() => client.api.setStatus(order.id, next, order.version), "Status change")}
        >
          {markLabel}
        </button>
      ) : null}
      {canCancel ? (
        <button
          type="button"
          className="danger"
          aria-label={`${cancelLabel}: order #${number}`}
          disabled={busy}
          onClick={() => setConfirming(true)}
        >
          {cancelLabel}
        </button>
      ) : null}
      {canCancel ? (
        <ConfirmDialog
          open={confirming}
          title={`Cancel order #${number}?`}
          body={
            user.role === "staff"
              ? "The customer sees it cancelled at once. This cannot be undone."
              : "The kitchen will not make it. This cannot be undone."
          }
          confirm="Cancel order"
          dismiss="Keep order"
          danger
          onDismiss={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            void run(() => client.api.cancel(order.id), "Cancel");
          }}
        />
      ) : null}
    </div>
  );
}
