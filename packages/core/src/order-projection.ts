/**
 * The order item's status fields as a projection of its status events (events.ts, module
 * comment): a status change commits with its event's conditional Put, and its order Update
 * comes after, monotonic in `statusSeq`, so whoever applies an event (its writer, the next
 * writer, the stream fan-out) applies it at most once and never over a later one.
 *
 * Small on purpose: the stream fan-out bundles it (hence the kind's literal, not protocol.ts's
 * `EventKind`, whose module would come along).
 */
import { dynamo, GetCommand, table, UpdateCommand } from "./dynamo";
import { isErrorNamed } from "./errors";
import type { EventHead, EventItem } from "./events";
import { eventKey, orderKey, staffGsi2Sk } from "./keys";
import type { StatusBy } from "./order-conflict";
import type { OrderEvent, OrderStatusEvent } from "./protocol";
import { RetryPolicy, retry } from "./retry";

/**
 * Apply a status event to its order item unless the item already reflects it or a later one.
 * True when this call wrote it. An `order.eta` transaction holding the item fails it with
 * TransactionConflictException: the fan-out's record is retried then; writers wait it out
 * (`applyAsWriter`).
 */
export async function applyStatusEvent(event: OrderStatusEvent): Promise<boolean> {
  const by: StatusBy = event.by;
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: table(),
        Key: orderKey(event.orderId),
        UpdateExpression: "SET #s = :s, #v = :v, updatedAt = :at, gsi2sk = :k, statusBy = :by, statusSeq = :seq",
        ConditionExpression: "attribute_exists(pk) AND (attribute_not_exists(statusSeq) OR statusSeq < :seq)",
        ExpressionAttributeNames: { "#s": "status", "#v": "version" },
        ExpressionAttributeValues: {
          ":s": event.status,
          ":v": event.version,
          ":at": event.at,
          ":k": staffGsi2Sk(event.status, event.at, event.orderId),
          ":by": by,
          ":seq": event.seq,
        },
      }),
    );
    return true;
  } catch (error) {
    // Applied already, by this event's writer or the fan-out, or passed by a later event.
    if (isErrorNamed(error, "ConditionalCheckFailedException")) return false;
    throw error;
  }
}

/** `applyStatusEvent` for a writer, whose answer must not fail for an ETA transaction in flight. */
export function applyAsWriter(event: OrderStatusEvent): Promise<boolean> {
  return retry(() => applyStatusEvent(event), {
    policy: RetryPolicy.seqRace,
    retryable: (error) => isErrorNamed(error, "TransactionConflictException"),
  });
}

/**
 * A writer found the order item behind its latest event (`projectionBehind`): apply the status
 * event it misses, the one the latest event's `statusSeq` names (read strongly consistent: it
 * exists, the latest event was written after it).
 */
export async function catchUpProjection(orderId: string, head: EventHead): Promise<void> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: table(), Key: eventKey(orderId, head.statusSeq), ConsistentRead: true }),
  );
  const event = (Item as EventItem | undefined)?.event;
  if (event?.kind === "order.status") await applyAsWriter(event);
}

/**
 * The fan-out's check of every status event it sees on the stream: the order item is read
 * eventually consistent (0.5 RRU), and the event applied when the item does not reflect it yet
 * — its writer died between its two writes, or has not got there yet (then one of the two
 * Updates fails its condition). A read a moment stale costs one such failed Update, no error.
 * True when this call applied the event (the caller logs it: a writer left it behind).
 */
export async function repairProjection(event: OrderEvent): Promise<boolean> {
  if (event.kind !== "order.status") return false;
  const { Item } = await dynamo().send(new GetCommand({ TableName: table(), Key: orderKey(event.orderId) }));
  if (Item === undefined || Number(Item.statusSeq ?? 0) >= event.seq) return false;
  return applyStatusEvent(event);
}
