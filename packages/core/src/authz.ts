/**
 * Who may see and do what (SPEC §4, §5). Pure rules over an identity and an order; the callers
 * read the order and then ask here.
 *  - An order is visible to its customer and to staff. To anybody else it does not exist
 *    (NOT_FOUND, never FORBIDDEN: existence is not leaked).
 *  - The `orders` topic (every order's events) and status changes are staff only (FORBIDDEN).
 *  - Placing an order is a customer action.
 */
import { ForbiddenError, NotFoundError } from "./errors";
import type { Order, Role } from "./protocol";

export interface Identity {
  userId: string;
  role: Role;
  /** Display name (Cognito username, the email for the demo users). */
  username?: string;
}

export function isStaff(identity: Identity): boolean {
  return identity.role === "staff";
}

export function canSeeOrder(identity: Identity, order: Pick<Order, "customerId">): boolean {
  return isStaff(identity) || order.customerId === identity.userId;
}

/** The order, or NOT_FOUND when it is missing or not the caller's. */
export function assertCanSeeOrder<T extends Pick<Order, "customerId">>(identity: Identity, order: T | undefined): T {
  if (order === undefined || !canSeeOrder(identity, order)) throw new NotFoundError("order not found");
  return order;
}

export function assertStaff(identity: Identity, what: string): void {
  if (!isStaff(identity)) throw new ForbiddenError(`${what} is for staff only`);
}

export function assertCustomer(identity: Identity, what: string): void {
  if (identity.role !== "customer") throw new ForbiddenError(`${what} is for customers only`);
}

/**
 * `cognito:groups` as it reaches a handler: HTTP API JWT authorizer claims are strings, an array
 * claim becoming "[staff admins]"; a verified token payload has a real array.
 */
export function groupsOf(claim: unknown): string[] {
  if (Array.isArray(claim)) return claim.filter((g): g is string => typeof g === "string");
  if (typeof claim !== "string") return [];
  const trimmed = claim.trim();
  const inner = trimmed.startsWith("[") && trimmed.endsWith("]") ? trimmed.slice(1, -1) : trimmed;
  return inner.split(/[\s,]+/).filter((g) => g.length > 0);
}

/** The Cognito group whose members are staff (the user pool's `staff` group, SPEC §2). */
export const staffGroup = "staff";

/** The role of a user from their `cognito:groups` claim: staff when in `staffGroup`. */
export function roleOfGroups(claim: unknown): Role {
  return groupsOf(claim).includes(staffGroup) ? "staff" : "customer";
}

/** Identity from token claims (verified by the authorizer): user id = `sub`, staff = group `staff`. */
export function identityFromClaims(claims: Record<string, unknown> | undefined): Identity | undefined {
  const sub = claims?.sub;
  if (typeof sub !== "string" || sub.length === 0) return undefined;
  const role = roleOfGroups(claims?.["cognito:groups"]);
  const name = claims?.username ?? claims?.["cognito:username"];
  return { userId: sub, role, ...(typeof name === "string" && name.length > 0 ? { username: name } : {}) };
}

/** The WebSocket authorizer's context, as API Gateway passes it to every later event (strings). */
export interface AuthorizerContext {
  userId: string;
  role: Role;
  username: string;
}

export function toAuthorizerContext(identity: Identity): AuthorizerContext {
  return { userId: identity.userId, role: identity.role, username: identity.username ?? identity.userId };
}

export function identityFromAuthorizerContext(
  context: Record<string, unknown> | undefined | null,
): Identity | undefined {
  const userId = context?.userId;
  const role = context?.role;
  if (typeof userId !== "string" || userId.length === 0) return undefined;
  if (role !== "staff" && role !== "customer") return undefined;
  const username = context?.username;
  return { userId, role, ...(typeof username === "string" && username.length > 0 ? { username } : {}) };
}
