/**
 * Order events and their per-order sequence number: the event log is the order's truth.
 *
 * There is no seq counter. An order's seq is its latest event's (`EVENT#{seq}` keys sort before
 * "ORDER", so one strongly consistent Query, read backwards, returns the order item, its read
 * positions and its latest event: `queryOrder`). A writer that read latest event `n` commits
 * event `n + 1` with a Put conditioned on `attribute_not_exists(pk)`: of two writers that read
 * the same `n` exactly one commits, the other re-reads and retries (`withSeqRetry`), so there are
 * no duplicates; an event is only ever written at the seq after one that exists, so there are no
 * gaps. A Put alone bills 1 WRU; in a transaction it would bill 2.
 *
 * What a seq counter used to carry rides on each event as running totals computed from the one
 * before (`totalsAfter`): the chat messages each side has sent (unread counts, read-position.ts)
 * and `statusSeq`, the seq of the latest event that set the order's status (`order.created`,
 * `order.status`). The latest event alone answers "which seq, how many messages, which status
 * change is current".
 *
 * The order item is a projection of the log for its status fields (status, version, updatedAt,
 * statusBy, gsi2sk, `statusSeq`: the status event it reflects), written AFTER the status event
 * by a monotonic conditional Update (`statusSeq < :seq`, order-projection.ts): applying it twice
 * or late is harmless. Crash window: a writer that dies between the Put and the Update leaves
 * the latest status event unapplied. At most that one event can be: a writer that finds the
 * order item behind its latest event's `statusSeq` applies that event before it decides
 * (`changeStatus`, `setEta` in order.ts), and only then commits the next one. Two things close
 * the window: the stream fan-out checks every status event against the order item and applies
 * it if missing (`repairProjection`), and every read in the meantime reports the snapshot at the
 * seq the order item does reflect (`snapshotSeq`: just before the unapplied event), so a client
 * that takes it still applies the status event when it arrives. An `order.eta` event commits
 * with its order Update in one transaction (etaAt is no projection), a chat message with its
 * idempotency item.
 */
import {
  dynamo,
  GetCommand,
  PutCommand,
  paginateQuery,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  table,
} from "./dynamo";
import { ConflictError, isErrorNamed } from "./errors";
import {
  eventKey,
  eventSkPrefix,
  eventsBeforeRange,
  eventsFromRange,
  orderItemsAfterEvents,
  orderPk,
  orderRange,
  orderSk,
  readPositionSkPrefix,
} from "./keys";
import { EventKind, type OrderEvent, type Role } from "./protocol";
import { RetryPolicy, retryUntilDefined } from "./retry";

type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/** An order's running totals as of one of its events (the module comment says why they ride on events). */
export interface EventTotals {
  /** Chat messages sent by the order's customer up to and including this event. */
  chatCustomer: number;
  /** Chat messages sent by staff up to and including this event. */
  chatStaff: number;
  /** The seq of the latest event up to this one that set the order's status. */
  statusSeq: number;
}

/** The latest event of an order as writers and readers need it: its seq and totals. */
export interface EventHead extends EventTotals {
  seq: number;
}

/** The stored event item: keys, the event exactly as clients receive it, and the totals after it. */
export interface EventItem extends EventTotals {
  pk: string;
  sk: string;
  entity: "event";
  orderId: string;
  seq: number;
  kind: OrderEvent["kind"];
  event: OrderEvent;
}

/** An event's count of chat messages sent by one side (`chatCustomer`, `chatStaff`). */
export function chatCountAttribute(role: Role): "chatCustomer" | "chatStaff" {
  return role === "staff" ? "chatStaff" : "chatCustomer";
}

/** The totals after `event`, from those of the event before it (none: `event` is the first). */
export function totalsAfter(previous: EventTotals | undefined, event: OrderEvent): EventTotals {
  const totals: EventTotals = {
    chatCustomer: previous?.chatCustomer ?? 0,
    chatStaff: previous?.chatStaff ?? 0,
    statusSeq: previous?.statusSeq ?? 0,
  };
  if (event.kind === EventKind.OrderCreated || event.kind === EventKind.OrderStatus) totals.statusSeq = event.seq;
  if (event.kind === EventKind.ChatMessage) totals[chatCountAttribute(event.from.role)] += 1;
  return totals;
}

export function eventItem(event: OrderEvent, previous: EventTotals | undefined): EventItem {
  return {
    ...eventKey(event.orderId, event.seq),
    entity: "event",
    orderId: event.orderId,
    seq: event.seq,
    kind: event.kind,
    event,
    ...totalsAfter(previous, event),
  };
}

/** The head of a stored event item (totals absent on an item count as 0). */
export function headOf(item: Record<string, unknown>): EventHead {
  return {
    seq: Number(item.seq),
    chatCustomer: Number(item.chatCustomer ?? 0),
    chatStaff: Number(item.chatStaff ?? 0),
    statusSeq: Number(item.statusSeq ?? 0),
  };
}

export interface OrderUpdate {
  /** `SET` clauses for the order item, e.g. `etaAt = :etaAt`. */
  set: string[];
  /** Condition on the order item, e.g. that it exists. */
  condition: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

export interface AppendEventInput {
  orderId: string;
  /** The order's latest event as just read; the event gets `head.seq + 1`. */
  head: EventHead;
  event: OrderEvent;
  /** An order Update that must commit with the event (a transaction then). */
  orderUpdate?: OrderUpdate;
  /** Further transaction items that must commit with the event (after the event and order items). */
  extraItems?: TransactItem[];
}

/** Why a write did not commit, per item in the order the items were given (the event first). */
export type CancellationCodes = (string | undefined)[];

export type AppendResult = { ok: true; item: EventItem } | { ok: false; reasons: CancellationCodes };

/**
 * One attempt: commit the event at `head.seq + 1`, or report why not (the caller re-reads and
 * decides). The event alone is one conditional Put; with an order update or extra items, one
 * TransactWriteItems.
 */
export async function tryAppendEvent(input: AppendEventInput): Promise<AppendResult> {
  const { orderId, head, event, orderUpdate } = input;
  if (event.seq !== head.seq + 1 || event.orderId !== orderId) {
    throw new Error(`event seq ${event.seq} must be the latest seq + 1 (${head.seq + 1}) of order ${orderId}`);
  }
  const item = eventItem(event, head);
  const put = { TableName: table(), Item: item, ConditionExpression: "attribute_not_exists(pk)" };
  const extraItems = input.extraItems ?? [];
  if (orderUpdate === undefined && extraItems.length === 0) {
    try {
      await dynamo().send(new PutCommand(put));
      return { ok: true, item };
    } catch (error) {
      if (isErrorNamed(error, "ConditionalCheckFailedException"))
        return { ok: false, reasons: ["ConditionalCheckFailed"] };
      throw error;
    }
  }
  const items: TransactItem[] = [
    { Put: put },
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
    ...extraItems,
  ];
  try {
    await dynamo().send(new TransactWriteCommand({ TransactItems: items }));
    return { ok: true, item };
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

/** The raw order item and its latest event, as read together (seq undefined: no order). */
export interface OrderRead {
  orderItem: Record<string, unknown> | undefined;
  /** The order's latest event: its seq is the order's, its totals the chat counts and current status event. */
  head: EventHead | undefined;
  /** The order's seq, its latest event's (undefined: no order). */
  seq: number | undefined;
  /** The read positions, read in the same request. */
  readItems?: Record<string, unknown>[];
}

/**
 * Whether the order item is behind its log: the latest status event is not applied to it yet
 * (its writer is between its two writes, or died there; module comment).
 */
export function projectionBehind(read: Pick<OrderRead, "orderItem" | "head">): boolean {
  if (read.orderItem === undefined || read.head === undefined) return false;
  return Number(read.orderItem.statusSeq ?? 0) < read.head.statusSeq;
}

/**
 * The seq the order item is a snapshot at: the latest event's, or, while the latest status event
 * is not applied, the seq just before it (every earlier event is reflected: only the latest
 * status event can be missing), so a client holding the snapshot still applies that event.
 */
export function snapshotSeq(read: Pick<OrderRead, "orderItem" | "head" | "seq">): number {
  if (read.head === undefined) return read.seq ?? 0;
  return projectionBehind(read) ? read.head.statusSeq - 1 : read.head.seq;
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
const isEventItem = (item: Record<string, unknown>) =>
  (item.sk as string).startsWith(eventSkPrefix) && item.entity === "event";

/** Sort the items of an order's range into the order item, its read positions and its events. */
function sortItems(items: Record<string, unknown>[]) {
  let orderItem: Record<string, unknown> | undefined;
  const readItems: Record<string, unknown>[] = [];
  const eventItems: Record<string, unknown>[] = [];
  for (const item of items) {
    if (item.sk === orderSk) orderItem = item;
    else if (isReadItem(item)) readItems.push(item);
    else if (isEventItem(item)) eventItems.push(item);
  }
  return { orderItem, readItems, eventItems };
}

/** What a read of an order's range found, with its latest event item (none: the order has no event). */
function orderRead(
  orderItem: Record<string, unknown> | undefined,
  latestEventItem: Record<string, unknown> | undefined,
  readItems: Record<string, unknown>[],
): OrderRead {
  const head = latestEventItem === undefined ? undefined : headOf(latestEventItem);
  return {
    orderItem,
    head: orderItem === undefined ? undefined : head,
    seq: orderItem === undefined ? undefined : (head?.seq ?? 0),
    readItems,
  };
}

/**
 * The order item, its read positions and its latest event: one strongly consistent Query read
 * backwards (`order` in keys.ts). The read positions and the order item come first; the Limit
 * leaves room for the latest event even when no read position exists yet (a few older events
 * come along then, in the same read unit).
 */
export async function queryOrder(orderId: string): Promise<OrderRead> {
  const page = await dynamo().send(
    new QueryCommand({
      TableName: table(),
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
      ExpressionAttributeValues: { ":pk": orderPk(orderId), ":from": orderRange.from, ":to": orderRange.to },
      ScanIndexForward: false,
      Limit: orderItemsAfterEvents + 1,
      ConsistentRead: true,
    }),
  );
  const { orderItem, readItems, eventItems } = sortItems(page.Items ?? []);
  const latest = eventItems[0];
  return orderRead(orderItem, latest, readItems);
}

/**
 * The events after `since`, in seq order, with the order item (raw), its read positions and its
 * latest event, read in the same strongly consistent Query (`eventsAfter` in keys.ts): "ORDER"
 * and "READ#…" sort after every "EVENT#…" key. The range starts at the event `since` itself, so
 * the latest event is in it even when nothing came after `since`.
 */
export async function queryEventsAfter(orderId: string, since: number): Promise<OrderRead & { events: OrderEvent[] }> {
  const range = eventsFromRange(since);
  const items: Record<string, unknown>[] = [];
  const pages = paginateQuery(
    { client: dynamo() },
    {
      TableName: table(),
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
      ExpressionAttributeValues: { ":pk": orderPk(orderId), ":from": range.from, ":to": range.to },
      ConsistentRead: true,
    },
  );
  for await (const page of pages) items.push(...(page.Items ?? []));
  const { orderItem, readItems, eventItems } = sortItems(items);
  const events = eventItems.map((item) => (item as unknown as EventItem).event).filter((event) => event.seq > since);
  const latest = eventItems.at(-1);
  // No event at or after `since` (a `since` past the order's seq): the latest is read on its own.
  if (orderItem !== undefined && latest === undefined) return { ...(await queryOrder(orderId)), events };
  return { ...orderRead(orderItem, latest, readItems), events };
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
 * One bounded page of an order's events, in seq order, with the order item and its latest event
 * for the authorization check (`orderWithLatestEvents` and `eventsPage` in keys.ts). `more`
 * says whether the next page in the same direction has events.
 */
export async function queryEventsPage(
  orderId: string,
  request: EventPageRequest,
  limit: number = eventPageSize,
): Promise<OrderRead & { events: OrderEvent[]; more: boolean }> {
  const forwards = "since" in request;
  const since = forwards ? request.since : 0;
  const before = forwards ? undefined : request.before;
  const range = forwards ? eventsFromRange(since) : before === undefined ? orderRange : eventsBeforeRange(before);
  // The order and read items end the event range: a page that reaches them needs no second read.
  const withOrderItems = forwards || before === undefined;
  // Forwards from `since` ≥ 1, the range starts at the event `since` (the latest when nothing follows).
  const sinceEvent = forwards && since >= 1 ? 1 : 0;
  const [page, separateRead] = await Promise.all([
    range === undefined
      ? Promise.resolve({ Items: [], LastEvaluatedKey: undefined })
      : dynamo().send(
          new QueryCommand({
            TableName: table(),
            KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
            ExpressionAttributeValues: { ":pk": orderPk(orderId), ":from": range.from, ":to": range.to },
            ScanIndexForward: forwards,
            Limit: limit + sinceEvent + (withOrderItems ? orderItemsAfterEvents : 0),
            ConsistentRead: true,
          }),
        ),
    withOrderItems ? undefined : queryOrder(orderId),
  ]);
  const { orderItem, readItems, eventItems } = sortItems(page.Items ?? []);
  const events: OrderEvent[] = [];
  let dropped = false;
  for (const item of eventItems) {
    const event = (item as unknown as EventItem).event;
    if (forwards && event.seq <= since) continue;
    if (events.length < limit) events.push(event);
    else dropped = true;
  }
  if (!forwards) {
    events.reverse();
    const more = (events[0]?.seq ?? 1) > 1;
    if (separateRead !== undefined) return { ...separateRead, events, more };
    const latest = eventItems[0];
    return { ...orderRead(orderItem, latest, readItems), events, more };
  }
  // Forwards, the order item comes after every event: reaching it with nothing dropped means
  // this page holds every event after `since`, and its last event is the latest. Cut before it
  // (by Limit or by DynamoDB's 1 MB), there are more, and the order is read on its own; so it
  // is when no event at or after `since` exists (a `since` past the order's seq).
  const latest = eventItems.at(-1);
  if (orderItem === undefined || latest === undefined) {
    const more = dropped || orderItem === undefined;
    return { ...(await queryOrder(orderId)), events, more: more && page.LastEvaluatedKey !== undefined };
  }
  return { ...orderRead(orderItem, latest, readItems), events, more: dropped };
}
