/**
 * The order status machine (SPEC §5), pure:
 *   placed → confirmed → preparing → ready → out_for_delivery → delivered,
 *   any non-terminal status → cancelled.
 * Steps go forward one at a time (no skipping), so the live timeline shows every stage.
 */
import { OrderStatus, statusFlow, type Role } from "./protocol";

export const terminalStatuses: readonly OrderStatus[] = [OrderStatus.Delivered, OrderStatus.Cancelled];

export function isTerminal(status: OrderStatus): boolean {
  return terminalStatuses.includes(status);
}

/** The statuses `from` may move to. */
export function nextStatuses(from: OrderStatus): OrderStatus[] {
  if (isTerminal(from)) return [];
  const index = statusFlow.indexOf(from);
  const forward = statusFlow[index + 1];
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
