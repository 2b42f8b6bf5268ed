/**
 * Order events and their per-order sequence number.
 *
 * Every event gets `seq = current + 1`, written in ONE TransactWriteItems with:
 *   - an Update of the order's seq item (ORDER#{id} / SEQ): `seq = :next`, conditioned on
 *     `seq = :expected`;
 *   - a Put of the event item `EVENT#{seq}`, conditioned on `attribute_not_exists(pk)`;
 *   - for a status change, an Update of the order item conditioned on its `version`;
 *   - any extra items of the same action (the chat idempotency item).
 * Either all land or none. Two writers that read the same seq cannot both commit (the seq
 * condition fails for the second, and the event key is taken anyway), so there are no
 * duplicates; a seq is only ever taken together with its event, so there are no gaps. The loser
 * re-reads and retries.
 */
import {
  dynamo,
  GetCommand,
  paginateQuery,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  table,
} from "./dynamo";
import { ConflictError, isErrorNamed } from "./errors";
import {
  eventKey,
  eventsAfterRange,
  eventsBeforeRange,
  orderItemsAfterEvents,
  orderPk,
  orderSeqKey,
  orderSk,
  readPositionSkPrefix,
  seqSk,
} from "./keys";
import type { OrderEvent, Role } from "./protocol";
import { RetryPolicy, retryUntilDefined } from "./retry";

type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/** The stored event item: keys plus the event exactly as clients receive it. */
export interface EventItem {
  pk: string;
  sk: string;
  entity: "event";
  orderId: string;
  seq: number;
  kind: OrderEvent["kind"];
  event: OrderEvent;
}

export function eventItem(event: OrderEvent): EventItem {
  return {
    ...eventKey(event.orderId, event.seq),
    entity: "event",
    orderId: event.orderId,
    seq: event.seq,
    kind: event.kind,
    event,
  };
}

/** The order's seq counter (ORDER#{id} / SEQ). On no index, so bumping it is cheap. */
export interface OrderSeqItem {
  pk: string;
  sk: string;
  entity: "orderSeq";
  seq: number;
  chatCustomer?: number;
  chatStaff?: number;
}

/** The seq item's count of chat messages sent by one side (`chatCustomer`, `chatStaff`). */
export function chatCountAttribute(role: Role): "chatCustomer" | "chatStaff" {
  return role === "staff" ? "chatStaff" : "chatCustomer";
}

export function orderSeqItem(orderId: string, seq: number): OrderSeqItem {
  return { ...orderSeqKey(orderId), entity: "orderSeq", seq };
}

export interface OrderUpdate {
  /** `SET` clauses for the order item, e.g. `#status = :status`. */
  set: string[];
  /** Condition on the order item, e.g. the version the change was decided on. */
  condition: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

export interface AppendEventInput {
  orderId: string;
  /** The order's seq as just read; the event gets `expectedSeq + 1`. */
  expectedSeq: number;
  event: OrderEvent;
  orderUpdate?: OrderUpdate;
  /** Further transaction items that must commit with the event (after the seq, event and order items). */
  extraItems?: TransactItem[];
}

/** Why a transaction did not commit, per item in the order the items were given. */
export type CancellationCodes = (string | undefined)[];

export type AppendResult = { ok: true } | { ok: false; reasons: CancellationCodes };

/** One attempt: commit the event with its seq, or report why not (the caller re-reads and decides). */
export async function tryAppendEvent(input: AppendEventInput): Promise<AppendResult> {
  const { orderId, expectedSeq, event, orderUpdate } = input;
  if (event.seq !== expectedSeq + 1 || event.orderId !== orderId) {
    throw new Error(`event seq ${event.seq} must be expectedSeq + 1 (${expectedSeq + 1}) of order ${orderId}`);
  }
  const items: TransactItem[] = [
    {
      Update: {
        TableName: table(),
        Key: orderSeqKey(orderId),
        // A chat message also counts on its sender's side: what unread counts are computed from
        // (read-position.ts), at no extra write.
        UpdateExpression: `SET #seq = :nextSeq, entity = :entity${event.kind === "chat.message" ? " ADD #chat :one" : ""}`,
        ConditionExpression: "#seq = :expectedSeq",
        ExpressionAttributeNames: {
          "#seq": "seq",
          ...(event.kind === "chat.message" ? { "#chat": chatCountAttribute(event.from.role) } : {}),
        },
        ExpressionAttributeValues: {
          ":nextSeq": event.seq,
          ":expectedSeq": expectedSeq,
          ":entity": "orderSeq",
          ...(event.kind === "chat.message" ? { ":one": 1 } : {}),
        },
      },
    },
    {
      Put: {
        TableName: table(),
        Item: eventItem(event),
        ConditionExpression: "attribute_not_exists(pk)",
      },
    },
    ...(orderUpdate === undefined
      ? []
      : [
          {
            Update: {
              TableName: table(),
              Key: { pk: orderPk(orderId), sk: orderSk },
              UpdateExpression: `SET ${orderUpdate.set.join(", ")}`,
              ConditionExpression: orderUpdate.condition,
              ExpressionAttributeNames: orderUpdate.names,
              ExpressionAttributeValues: orderUpdate.values,
            },
          },
        ]),
    ...(input.extraItems ?? []),
  ];
  try {
    await dynamo().send(new TransactWriteCommand({ TransactItems: items }));
    return { ok: true };
  } catch (error) {
    if (isErrorNamed(error, "TransactionCanceledException")) {
      const reasons = ((error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).map(
        (reason) => reason.Code,
      );
      return { ok: false, reasons };
    }
    // Raised before the transaction even starts when another one holds the items.
    if (isErrorNamed(error, "TransactionConflictException")) return { ok: false, reasons: ["TransactionConflict"] };
    throw error;
  }
}

/**
 * Run `attempt` until it commits or decides. `attempt` re-reads what it needs each time and
 * returns a value (done) or `undefined` (lost a race; try again after `RetryPolicy.seqRace`).
 */
export async function withSeqRetry<T>(attempt: (attemptNumber: number) => Promise<T | undefined>): Promise<T> {
  return retryUntilDefined(attempt, {
    policy: RetryPolicy.seqRace,
    exhausted: () => new ConflictError("the order is changing too fast; retry"),
  });
}

/** The raw order item and its current seq, as read together (seq undefined: no order). */
export interface OrderRead {
  orderItem: Record<string, unknown> | undefined;
  seq: number | undefined;
  /** The seq item (its chat counts) and the read positions, read in the same request. */
  seqItem?: Record<string, unknown> | undefined;
  readItems?: Record<string, unknown>[];
}

/**
 * `storedEvent` — one event item by its key (`pk`, `sk` as a stream record's `Keys` carry them),
 * strongly consistent: what the fan-out replay re-drives, so a replayed event is the stored one.
 * Undefined when the key is not an event item's.
 */
export async function storedEvent(key: { pk: string; sk: string }): Promise<OrderEvent | undefined> {
  const { Item } = await dynamo().send(new GetCommand({ TableName: table(), Key: key, ConsistentRead: true }));
  return Item?.entity === "event" ? (Item as EventItem).event : undefined;
}

const isReadItem = (item: Record<string, unknown>) => (item.sk as string).startsWith(readPositionSkPrefix);

/** The seq of an order from its seq item (undefined: no order). */
export function currentSeq(
  orderItem: Record<string, unknown> | undefined,
  seqItem: Record<string, unknown> | undefined,
): number | undefined {
  if (orderItem === undefined) return undefined;
  return (seqItem?.seq as number | undefined) ?? 0;
}

/** The order item and its seq: one strongly consistent Query (`order` in keys.ts). */
export async function queryOrder(orderId: string): Promise<OrderRead> {
  const page = await dynamo().send(
    new QueryCommand({
      TableName: table(),
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
      ExpressionAttributeValues: { ":pk": orderPk(orderId), ":from": orderSk, ":to": seqSk },
      ConsistentRead: true,
    }),
  );
  const items = page.Items ?? [];
  const orderItem = items.find((item) => item.sk === orderSk);
  const seqItem = items.find((item) => item.sk === seqSk);
  return { orderItem, seq: currentSeq(orderItem, seqItem), seqItem, readItems: items.filter(isReadItem) };
}

/**
 * The events after `since`, in seq order, with the order item (raw) and its seq, read in the
 * same strongly consistent Query (`eventsAfter` in keys.ts): "ORDER" and "SEQ" sort after every
 * "EVENT#…" key.
 */
export async function queryEventsAfter(orderId: string, since: number): Promise<OrderRead & { events: OrderEvent[] }> {
  const range = eventsAfterRange(since);
  const events: OrderEvent[] = [];
  let orderItem: Record<string, unknown> | undefined;
  let seqItem: Record<string, unknown> | undefined;
  const readItems: Record<string, unknown>[] = [];
  const pages = paginateQuery(
    { client: dynamo() },
    {
      TableName: table(),
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
      ExpressionAttributeValues: { ":pk": orderPk(orderId), ":from": range.from, ":to": range.to },
      ConsistentRead: true,
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      if (item.sk === orderSk) orderItem = item;
      else if (item.sk === seqSk) seqItem = item;
      else if (isReadItem(item)) readItems.push(item);
      else if (item.entity === "event") events.push((item as EventItem).event);
    }
  }
  return { events, orderItem, seq: currentSeq(orderItem, seqItem), seqItem, readItems };
}

/**
 * Events per page of `GET /orders/{id}` and `GET /orders/{id}/events`. What bounds a REST
 * response: a page is at most this many events, each at most a chat message of
 * `maxChatTextLength` characters (docs/lists.md, "Largest REST responses").
 */
export const eventPageSize = 100;

/** Which page: the events after `since` (forwards), or those before `before` (backwards; none: the newest). */
export type EventPageRequest = { since: number } | { before?: number };

/**
 * One bounded page of an order's events, in seq order, with the order item and its seq for the
 * authorization check (`orderWithLatestEvents` and `eventsPage` in keys.ts). `more` says whether
 * the next page in the same direction has events.
 */
export async function queryEventsPage(
  orderId: string,
  request: EventPageRequest,
  limit: number = eventPageSize,
): Promise<OrderRead & { events: OrderEvent[]; more: boolean }> {
  const forwards = "since" in request;
  const before = forwards ? undefined : request.before;
  const range = forwards
    ? eventsAfterRange(request.since)
    : before === undefined
      ? { from: eventsAfterRange(0).from, to: seqSk }
      : eventsBeforeRange(before);
  // The order and seq items end the event range: a page that reaches them needs no second read.
  const withOrderItems = forwards || before === undefined;
  const [page, separateRead] = await Promise.all([
    range === undefined
      ? Promise.resolve({ Items: [], LastEvaluatedKey: undefined })
      : dynamo().send(
          new QueryCommand({
            TableName: table(),
            KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
            ExpressionAttributeValues: { ":pk": orderPk(orderId), ":from": range.from, ":to": range.to },
            ScanIndexForward: forwards,
            Limit: limit + (withOrderItems ? orderItemsAfterEvents : 0),
            ConsistentRead: true,
          }),
        ),
    withOrderItems ? undefined : queryOrder(orderId),
  ]);
  let orderItem: Record<string, unknown> | undefined;
  let seqItem: Record<string, unknown> | undefined;
  const readItems: Record<string, unknown>[] = [];
  const events: OrderEvent[] = [];
  let dropped = false;
  for (const item of page.Items ?? []) {
    if (item.sk === orderSk) orderItem = item;
    else if (item.sk === seqSk) seqItem = item;
    else if (isReadItem(item)) readItems.push(item);
    else if (item.entity === "event") {
      if (events.length < limit) events.push((item as EventItem).event);
      else dropped = true;
    }
  }
  if (!forwards) {
    events.reverse();
    const more = (events[0]?.seq ?? 1) > 1;
    return separateRead !== undefined
      ? { ...separateRead, events, more }
      : { orderItem, seq: currentSeq(orderItem, seqItem), seqItem, readItems, events, more };
  }
  // Forwards, the order item comes after every event: reaching it with nothing dropped means
  // this page holds every event after `since`. Cut before it (by Limit or by DynamoDB's 1 MB),
  // there are more, and the order is read on its own.
  if (orderItem === undefined || seqItem === undefined) {
    const more = dropped || orderItem === undefined;
    return { ...(await queryOrder(orderId)), events, more: more && page.LastEvaluatedKey !== undefined };
  }
  return { orderItem, seq: currentSeq(orderItem, seqItem), seqItem, readItems, events, more: dropped };
}
