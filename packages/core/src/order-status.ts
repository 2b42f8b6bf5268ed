/**
 * The order status machine (SPEC §5), pure, the one definition the server, the demo data and the
 * web app share:
 *   placed → confirmed → preparing → ready → out_for_delivery → delivered,
 *   any non-terminal status → cancelled.
 * Steps go forward one at a time (no skipping), so the live timeline shows every stage.
 * Changing the flow is a change here plus the web app's labels (typed `Record<OrderStatus, …>`,
 * so the type checker points at them).
 */
import { OrderStatus, type Role } from "./protocol";

/** The forward path of an order; any non-terminal status may also go to `cancelled`. */
export const statusFlow: readonly OrderStatus[] = [
  OrderStatus.Placed,
  OrderStatus.Confirmed,
  OrderStatus.Preparing,
  OrderStatus.Ready,
  OrderStatus.OutForDelivery,
  OrderStatus.Delivered,
];

/** Every status, in the order a board shows them: the forward path, then `cancelled`. */
export const orderStatuses: readonly OrderStatus[] = /* @__PURE__ */ statusFlow.concat(OrderStatus.Cancelled);

/** Terminal statuses are the "finished" orders: nothing happens to them any more. */
export const terminalStatuses: readonly OrderStatus[] = [OrderStatus.Delivered, OrderStatus.Cancelled];

export function isTerminal(status: OrderStatus): boolean {
  return terminalStatuses.includes(status);
}

/** The next status on the forward path; undefined for a terminal status. */
export function forwardStatus(from: OrderStatus): OrderStatus | undefined {
  if (isTerminal(from)) return undefined;
  return statusFlow[statusFlow.indexOf(from) + 1];
}

/** The statuses `from` may move to. */
export function nextStatuses(from: OrderStatus): OrderStatus[] {
  if (isTerminal(from)) return [];
  const forward = forwardStatus(from);
  return forward === undefined ? [OrderStatus.Cancelled] : [forward, OrderStatus.Cancelled];
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return nextStatuses(from).includes(to);
}

/**
 * Cancel rules: the order's customer while it is still `placed`; staff at any non-terminal
 * status (i.e. until delivered). Returns why not, or undefined when allowed.
 */
export function cancelRefusal(status: OrderStatus, role: Role): string | undefined {
  if (isTerminal(status)) return `order is ${status}`;
  if (role === "customer" && status !== OrderStatus.Placed) {
    return `a customer can cancel only while the order is placed (it is ${status})`;
  }
  return undefined;
}

export function canCancel(status: OrderStatus, role: Role): boolean {
  return cancelRefusal(status, role) === undefined;
}

/** The next step from `current` on the way to `target` (cancelling goes straight there); undefined once there or past it. */
export function stepTowards(current: OrderStatus, target: OrderStatus): OrderStatus | undefined {
  if (current === target) return undefined;
  const step = target === OrderStatus.Cancelled ? OrderStatus.Cancelled : forwardStatus(current);
  if (step === undefined || !canTransition(current, step)) return undefined;
  if (target !== OrderStatus.Cancelled && statusFlow.indexOf(step) > statusFlow.indexOf(target)) return undefined;
  return step;
}
