/**
 * What a 409 says (SPEC §5: "a 409 says what actually happened", e.g. "Staff confirmed this order
 * first"), so a client can show it as it is. Pure: built from the order as it is now and who made
 * its last status change (`statusBy`, stored on the order item with each change), followed by
 * the technical reason in parentheses for logs and API users.
 */
import type { Identity } from "./authz";
import type { OrderStatus, Role } from "./protocol";

/** Who made an order's last status change; absent on orders older than this field (and on new ones). */
export interface StatusBy {
  userId: string;
  role: Role;
}

const didTo: Record<OrderStatus, string> = {
  placed: "placed this order",
  confirmed: "confirmed this order",
  preparing: "started preparing this order",
  ready: "marked this order ready",
  out_for_delivery: "sent this order out for delivery",
  delivered: "marked this order delivered",
  cancelled: "cancelled this order",
};

function who(by: StatusBy | undefined, caller: Identity): string {
  if (by === undefined) return "Someone";
  if (by.userId === caller.userId) return "You";
  return by.role === "staff" ? "Staff" : "The customer";
}

/** "Staff confirmed this order", or "This order is confirmed" when nobody changed it (still placed). */
export function whatHappened(status: OrderStatus, by: StatusBy | undefined, caller: Identity): string {
  if (status === "placed" || by === undefined) return `This order is ${status.replaceAll("_", " ")}`;
  return `${who(by, caller)} ${didTo[status]}`;
}

/** A change decided on an older version lost to one made meanwhile. */
export function lostRaceMessage(
  order: { status: OrderStatus; version: number },
  by: StatusBy | undefined,
  caller: Identity,
  expectedVersion: number,
): string {
  return `${whatHappened(order.status, by, caller)} first (stale version ${expectedVersion}: the order is at version ${order.version})`;
}

/** A change the order's current status does not allow. */
export function refusedMessage(
  order: { status: OrderStatus },
  by: StatusBy | undefined,
  caller: Identity,
  reason: string,
  wanted: OrderStatus,
): string {
  const happened = whatHappened(order.status, by, caller);
  const consequence =
    wanted === "cancelled"
      ? caller.role === "customer" && order.status !== "delivered" && order.status !== "cancelled"
        ? ", so it can no longer be cancelled here: ask staff in the chat"
        : ", so it can no longer be cancelled"
      : "";
  return `${happened}${consequence} (${reason})`;
}
