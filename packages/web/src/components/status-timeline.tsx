import { statusFlow } from "@live-orders/core/order-status";
import type { OrderEvent, OrderStatus, OrderStatusEvent } from "@live-orders/core/protocol";
import { statusLabel } from "../order-state";

/** The forward path with the time each step was reached; a cancellation ends it. */
export function StatusTimeline(props: { status: OrderStatus; createdAt: string; events: readonly OrderEvent[] }) {
  const reached = new Map<OrderStatus, string>([["placed", props.createdAt]]);
  for (const event of props.events) {
    if (event.kind === "order.status") reached.set((event as OrderStatusEvent).status, event.at);
  }
  const cancelled = props.status === "cancelled";
  const steps: OrderStatus[] = cancelled
    ? [...statusFlow.filter((status) => reached.has(status) && status !== "cancelled"), "cancelled"]
    : [...statusFlow];
  const currentIndex = steps.indexOf(props.status);
  return (
    <ol className="timeline" aria-label="Order progress">
      {steps.map((status, index) => {
        // Delivered is an end, not a step in progress: shown done.
        const state =
          index < currentIndex || (index === currentIndex && status === "delivered")
            ? "done"
            : index === currentIndex
              ? "current"
              : "todo";
        const at = reached.get(status);
        return (
          <li
            key={status}
            className={`timeline-step timeline-${state} ${status === "cancelled" ? "timeline-cancelled" : ""}`}
            aria-current={index === currentIndex ? "step" : undefined}
          >
            <span className="timeline-dot" aria-hidden="true" />
            <span className="timeline-label">{statusLabel[status]}</span>
            {at && state !== "todo" ? (
              <time className="timeline-time" dateTime={at}>
                {new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" })}
              </time>
            ) : null}
          </li>
        );
      })}
    </ol>
  );
}
