/**
 * Read positions and unread counts (SPEC §3, §4 `markRead`, §5 `unread`).
 *
 * An order has two read positions (keys.ts, `readPositions`): its customer's, and ONE shared by
 * staff — the board is the shop's shared inbox, so what one staff member read is read for the
 * shop (Intercom's and Zendesk's team inboxes work the same way). A position is the highest seq
 * read (it never moves back) plus `seen`: how many of the other side's chat messages were at or
 * below it. Every event carries each side's running count of messages (`chatCustomer`,
 * `chatStaff`, events.ts), so with the order's latest event
 *     unread = the other side's count − seen
 * is computed from items every order read already has (the `order` Query reads the positions
 * and the latest event with the order, lists run it for each order): no count of events.
 */
import { assertCanSeeOrder, type Identity } from "./authz";
import { dynamo, QueryCommand, table, UpdateCommand } from "./dynamo";
import { isErrorNamed } from "./errors";
import { chatCountAttribute, type EventTotals, queryOrder } from "./events";
import { eventKey, orderPk, readPositionKey } from "./keys";
import type { Role } from "./protocol";

export interface ReadPositionItem {
  pk: string;
  sk: string;
  entity: "readPosition";
  orderId: string;
  role: Role;
  seq: number;
  /** The other side's chat messages at or below `seq`. */
  seen: number;
}

export const otherSide = (role: Role): Role => (role === "staff" ? "customer" : "staff");

/** The other side's chat messages the `role` has not read, from the latest event's totals and the role's position. */
export function unreadOf(
  role: Role,
  head: EventTotals | undefined,
  readItem: Record<string, unknown> | undefined,
): number {
  const sent = head?.[chatCountAttribute(otherSide(role))] ?? 0;
  const seen = Number(readItem?.seen ?? 0);
  return Math.max(0, sent - seen);
}

/** The position of `role` among an order's read items. */
export function readItemOf(
  readItems: readonly Record<string, unknown>[] | undefined,
  role: Role,
): Record<string, unknown> | undefined {
  return readItems?.find((item) => item.role === role);
}

export interface MarkReadResult {
  orderId: string;
  customerId: string;
  role: Role;
  /** The position now stored; undefined when it did not move (nothing written, nothing to tell). */
  seq: number | undefined;
}

/**
 * `markRead {orderId, seq}`: the caller's side has read up to `seq` (clamped to the order's
 * seq). Writes only when that moves the position forward; a concurrent markRead of a higher seq
 * wins by the write's condition, so the position never moves back.
 */
export async function markRead(identity: Identity, orderId: string, seq: number): Promise<MarkReadResult> {
  const read = await queryOrder(orderId);
  const order = assertCanSeeOrder(identity, read.orderItem as { customerId: string; id: string } | undefined);
  const role = identity.role;
  const target = Math.min(seq, read.seq ?? 0);
  const current = readItemOf(read.readItems, role);
  const unchanged = { orderId, customerId: order.customerId, role, seq: undefined };
  if (target <= Number(current?.seq ?? 0)) return unchanged;
  const other = otherSide(role);
  const sentNow = read.head?.[chatCountAttribute(other)] ?? 0;
  const seen = sentNow - (target < (read.seq ?? 0) ? await otherMessagesAfter(orderId, target, other) : 0);
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: table(),
        Key: readPositionKey(orderId, role),
        UpdateExpression: "SET #seq = :seq, seen = :seen, entity = :entity, orderId = :orderId, #role = :role",
        ConditionExpression: "attribute_not_exists(#seq) OR #seq < :seq",
        ExpressionAttributeNames: { "#seq": "seq", "#role": "role" },
        ExpressionAttributeValues: {
          ":seq": target,
          ":seen": seen,
          ":entity": "readPosition",
          ":orderId": orderId,
          ":role": role,
        },
      }),
    );
  } catch (error) {
    // Another device of the same side read further meanwhile: its position stands.
    if (isErrorNamed(error, "ConditionalCheckFailedException")) return unchanged;
    throw error;
  }
  return { orderId, customerId: order.customerId, role, seq: target };
}

/**
 * Chat messages from `from` after `seq`: only when a client marks read below the order's seq (it
 * saw an older state), so the range is the few events it had not seen yet.
 */
async function otherMessagesAfter(orderId: string, seq: number, from: Role): Promise<number> {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamo().send(
      new QueryCommand({
        TableName: table(),
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
        FilterExpression: "kind = :chat AND #event.#from.#role = :role",
        ExpressionAttributeNames: { "#event": "event", "#from": "from", "#role": "role" },
        ExpressionAttributeValues: {
          ":pk": orderPk(orderId),
          ":from": eventKey(orderId, seq + 1).sk,
          ":to": eventKey(orderId, 9_999_999_999).sk,
          ":chat": "chat.message",
          ":role": from,
        },
        Select: "COUNT",
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return count;
}
