/** Staff: move an order to its next status or cancel it. Customers: cancel while placed. */
import { canCancel as canCancelOrder, forwardStatus } from "@live-orders/core/order-status";
import type { Order } from "@live-orders/core/protocol";
import { useState } from "react";
import type { SignedInUser } from "../auth";
import { describeError } from "../errors";
import { useRealtime } from "../hooks/use-realtime";
import { shortId, statusLabel } from "../order-state";
import { useToast } from "./toasts";

export function OrderActions(props: {
  order: Order;
  user: SignedInUser;
  onChanged: (order: Order) => void;
  /** On a board card: short labels so both buttons fit one row. */
  compact?: boolean;
}) {
  const { order, user } = props;
  const client = useRealtime();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const next = forwardStatus(order.status);
  const canCancel = canCancelOrder(order.status, user.role);

  async function run(action: () => Promise<Order>, what: string) {
    setBusy(true);
    try {
      // Shown at once from the response (the person who pressed the button should not wait
      // for a reconnect); the event follows over the WebSocket as for everyone else.
      props.onChanged(await action());
    } catch (error) {
      toast.error(`${what} failed for order #${shortId(order.id)}: ${describeError(error)}`);
    } finally {
      setBusy(false);
    }
  }

  if (user.role !== "staff" && !canCancel) return null;
  return (
    <div className="order-actions">
      {user.role === "staff" && next ? (
        <button
          type="button"
          className="primary"
          aria-label={`Mark order #${shortId(order.id)} ${statusLabel[next].toLowerCase()}`}
          disabled={busy}
          onClick={() => run(() => client.api.setStatus(order.id, next, order.version), "Status change")}
        >
          Mark {statusLabel[next].toLowerCase()}
        </button>
      ) : null}
      {canCancel ? (
        <button
          type="button"
          className="danger"
          aria-label={`Cancel order #${shortId(order.id)}`}
          disabled={busy}
          onClick={() => run(() => client.api.cancel(order.id), "Cancel")}
        >
          {props.compact ? "Cancel" : "Cancel order"}
        </button>
      ) : null}
    </div>
  );
}
