/**
 * Who may see and do what (SPEC §4, §5). Pure rules over an identity and an order; the callers
 * read the order and then ask here.
 *  - An order is visible to its customer and to staff. To anybody else it does not exist
 *    (NOT_FOUND, never FORBIDDEN: existence is not leaked).
 *  - The `orders` topic (every order's events) and status changes are staff only (FORBIDDEN).
 *  - Placing an order is a customer action.
 */
import { ForbiddenError, NotFoundError } from "./errors";
import type { MessageSender, Order, Role } from "./protocol";

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
 * `cognito:groups` as it reaches a handler, one parser for REST and WebSocket:
 *  - a verified token payload (the WebSocket authorizer's) has a real array: taken as it is;
 *  - HTTP API JWT authorizer claims are strings, and API Gateway prints an array claim as its
 *    elements between brackets, separated by one space: `["a", "b,c"]` → "[a b,c]". So the
 *    string is unwrapped by exactly one bracket on each side and split on single spaces, nothing
 *    else: a group named `readers,staff` or `[staff]` is that one group, never `staff`.
 *    Splitting on spaces is exact because Cognito group names cannot contain white space
 *    (GroupName: `[\p{L}\p{M}\p{S}\p{N}\p{P}]+`); commas and brackets they can.
 *  - a string claim that is not bracketed was a string in the token: one group.
 */
export function groupsOf(claim: unknown): string[] {
  if (Array.isArray(claim)) return claim.filter((g): g is string => typeof g === "string");
  if (typeof claim !== "string" || claim.length === 0) return [];
  if (!(claim.startsWith("[") && claim.endsWith("]") && claim.length >= 2)) return [claim];
  const inner = claim.slice(1, -1);
  return inner.length === 0 ? [] : inner.split(" ").filter((g) => g.length > 0);
}

/** The Cognito group whose members are staff (the user pool's `staff` group, SPEC §2). */
export const staffGroup = "staff";

/** The role of a user from their `cognito:groups` claim: staff when in `staffGroup`. */
export function roleOfGroups(claim: unknown): Role {
  return groupsOf(claim).includes(staffGroup) ? "staff" : "customer";
}

/**
 * Identity from verified ACCESS token claims (either shape: a payload, or HTTP API's strings):
 * user id = `sub`, staff = group `staff`. Anything but an access token (an ID token has
 * `token_use: "id"`) has no identity here, whatever checked it before.
 */
export function identityFromClaims(claims: Record<string, unknown> | undefined): Identity | undefined {
  if (claims?.token_use !== "access") return undefined;
  const sub = claims.sub;
  if (typeof sub !== "string" || sub.length === 0) return undefined;
  const role = roleOfGroups(claims["cognito:groups"]);
  const name = claims.username ?? claims["cognito:username"];
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

/** The sender a chat message or typing frame names. Pools that sign in by email use the `sub` as username: not a name worth showing. */
export function senderOf(identity: Identity): MessageSender {
  const { userId, role, username } = identity;
  return { userId, role, ...(username === undefined || username === userId ? {} : { name: username }) };
}
