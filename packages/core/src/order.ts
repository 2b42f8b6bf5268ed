/**
 * Orders: place (priced from the menu), read, list, status changes with optimistic concurrency,
 * cancel (SPEC §5).
 * Every change is an event with the order's next seq (events.ts); the stream fan-out pushes it.
 */
import { randomUUID } from "node:crypto";
import { assertCanSeeOrder, assertCustomer, assertStaff, type Identity, isStaff } from "./authz";
import { dynamo, QueryCommand, TransactWriteCommand, table } from "./dynamo";
import { BadRequestError, ConflictError, ForbiddenError, isErrorNamed } from "./errors";
import {
  type EventHead,
  type EventPageRequest,
  eventItem,
  eventPageSize,
  type OrderRead,
  projectionBehind,
  queryEventsAfter,
  queryEventsPage,
  queryOrder,
  snapshotSeq,
  tryAppendEvent,
  withSeqRetry,
} from "./events";
import { customerGsi1, customerGsi1Sk, orderKey, ordersForStaffPk, staffGsi2Range, staffGsi2Sk } from "./keys";
import { menuItemOf } from "./menu";
import { lostRaceMessage, refusedMessage, type StatusBy } from "./order-conflict";
import { applyAsWriter, catchUpProjection } from "./order-projection";
import { parseSearchQuery, searchIndexItems, searchPartitionOf, searchQueryInput } from "./order-search";
import { cancelRefusal, canTransition, nextStatuses } from "./order-status";
import {
  EventKind,
  type EventPage,
  type Order,
  type OrderCreatedEvent,
  type OrderEtaEvent,
  type OrderEvent,
  type OrderItem,
  OrderStatus,
  type OrderStatusEvent,
  type ReadPositions,
  type Role,
} from "./protocol";
import { admit, Limit } from "./rate-limit";
import { readItemOf, unreadOf } from "./read-position";
import type { CancelInput, CreateOrderInput, ListOrdersInput, SetEtaInput, UpdateStatusInput } from "./validation";

/** The stored order item: the public Order plus its keys; its seq is its latest event's (events.ts). */
export interface OrderItemRecord extends Omit<Order, "seq" | "unread" | "etaAt"> {
  /** Null once staff cleared it. */
  etaAt?: string | null;
  /** The seq of the status event (`order.created`, `order.status`) the item reflects (order-projection.ts). */
  statusSeq: number;
  pk: string;
  sk: string;
  entity: "order";
  gsi1pk: string;
  gsi1sk: string;
  gsi2pk: string;
  gsi2sk: string;
}

/**
 * The public shape (SPEC §5), whatever else the item carries, with the order's current seq and
 * the caller's unread count (read-position.ts).
 */
export function toOrder(item: Record<string, unknown>, seq: number, unread = 0): Order {
  const record = item as unknown as OrderItemRecord;
  const order: Order = {
    id: record.id,
    customerId: record.customerId,
    status: record.status,
    items: record.items,
    contact: record.contact,
    fulfilment: record.fulfilment,
    totalCents: record.totalCents,
    version: record.version,
    seq,
    unread,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
  if (record.note !== undefined) order.note = record.note;
  if (typeof record.etaAt === "string") order.etaAt = record.etaAt;
  return order;
}

/** An order as `reader` reads it: at the seq its item is a snapshot at, with their side's unread count. */
function orderFor(identity: Pick<Identity, "role">, read: OrderRead): Order | undefined {
  if (read.orderItem === undefined) return undefined;
  const unread = unreadOf(identity.role, read.head, readItemOf(read.readItems, identity.role));
  return toOrder(read.orderItem, snapshotSeq(read), unread);
}

function orderItem(order: Order): OrderItemRecord {
  const { seq: _seq, unread: _unread, ...fields } = order;
  return {
    ...orderKey(order.id),
    entity: "order",
    ...fields,
    gsi1pk: customerGsi1(order.customerId),
    gsi1sk: customerGsi1Sk(order.createdAt, order.id),
    gsi2pk: ordersForStaffPk,
    gsi2sk: staffGsi2Sk(order.status, order.updatedAt, order.id),
    statusSeq: order.seq,
  };
}

/** Strongly consistent read of one order at the seq its item reflects, no authorization (internal use). */
export async function readOrder(orderId: string): Promise<Order | undefined> {
  const read = await queryOrder(orderId);
  return read.orderItem === undefined ? undefined : toOrder(read.orderItem, snapshotSeq(read));
}

/** The order's lines priced from the menu: the client names a sku and a quantity, never a price. */
export function priceLines(lines: CreateOrderInput["items"]): OrderItem[] {
  return lines.map(({ sku, quantity }) => {
    const item = menuItemOf(sku);
    if (item === undefined) throw new BadRequestError(`unknown sku ${JSON.stringify(sku)}: it is not on the menu`);
    return { sku, name: item.name, quantity, unitPriceCents: item.unitPriceCents };
  });
}

/** `POST /orders` (customers): within the caller's order placement limit (rate-limit.ts), then `create`. */
export async function place(identity: Identity, input: CreateOrderInput): Promise<Order> {
  assertCustomer(identity, "placing an order");
  await admit(identity.userId, Limit.orderPlacements);
  return create(identity, input);
}

/**
 * Writes a new order. `options.id` is for seeding demo data with stable ids; a second create
 * with the same id fails (CONFLICT) instead of overwriting.
 */
export async function create(
  identity: Identity,
  input: CreateOrderInput,
  options: { id?: string } = {},
): Promise<Order> {
  assertCustomer(identity, "placing an order");
  const now = new Date().toISOString();
  const items = priceLines(input.items);
  const order: Order = {
    id: options.id ?? randomUUID(),
    customerId: identity.userId,
    status: OrderStatus.Placed,
    items,
    contact: input.contact,
    fulfilment: input.fulfilment,
    totalCents: items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0),
    version: 1,
    seq: 1,
    unread: 0,
    createdAt: now,
    updatedAt: now,
  };
  if (input.note !== undefined) order.note = input.note;
  const event: OrderCreatedEvent = {
    kind: EventKind.OrderCreated,
    seq: 1,
    orderId: order.id,
    customerId: order.customerId,
    at: now,
    order,
  };
  try {
    await dynamo().send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: table(), Item: orderItem(order), ConditionExpression: "attribute_not_exists(pk)" } },
          {
            Put: {
              TableName: table(),
              Item: eventItem(event, undefined),
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          ...searchIndexItems(order, table()),
        ],
      }),
    );
  } catch (error) {
    if (isErrorNamed(error, "TransactionCanceledException"))
      throw new ConflictError(`order ${order.id} already exists`);
    throw error;
  }
  return order;
}

/**
 * `GET /orders/{id}`: the order and its newest page of events in seq order, with a cursor to the
 * older ones when there are any (one strongly consistent Query, `orderWithLatestEvents`).
 */
export async function getWithEvents(
  identity: Identity,
  orderId: string,
  options: { limit?: number } = {},
): Promise<{ order: Order; readPositions: ReadPositions } & EventPage> {
  const { order, ...page } = await eventsPage(identity, orderId, {}, options);
  return { order, ...page };
}

/**
 * `GET /orders/{id}/events`: one bounded page of events, after `since` (forwards) or before
 * `before` (backwards), in seq order; `cursor` reads the next page in the same direction.
 */
export async function eventsPage(
  identity: Identity,
  orderId: string,
  request: EventPageRequest,
  options: { limit?: number } = {},
): Promise<{ order: Order; readPositions: ReadPositions } & EventPage> {
  const { events, more, ...read } = await queryEventsPage(orderId, request, options.limit ?? eventPageSize);
  const order = assertCanSeeOrder(identity, orderFor(identity, read));
  const readPositions: ReadPositions = Object.fromEntries(
    (read.readItems ?? []).map((item) => [item.role as Role, Number(item.seq)]),
  );
  const last = "since" in request ? events.at(-1)?.seq : events[0]?.seq;
  const cursor =
    !more || last === undefined
      ? undefined
      : encodeEventCursor("since" in request ? { since: last } : { before: last });
  return { order, readPositions, events, ...(cursor === undefined ? {} : { cursor }) };
}

/** An events cursor names the next page: opaque to clients, checked when it comes back. */
function encodeEventCursor(request: { since: number } | { before: number }): string {
  return Buffer.from(JSON.stringify(request)).toString("base64url");
}

export function decodeEventCursor(cursor: string): { since: number } | { before: number } {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new BadRequestError("invalid cursor");
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value);
    const [key, seq] = entries[0] ?? [];
    if (
      entries.length === 1 &&
      (key === "since" || key === "before") &&
      Number.isSafeInteger(seq) &&
      (seq as number) >= 0
    )
      return key === "since" ? { since: seq as number } : { before: seq as number };
  }
  throw new BadRequestError("invalid cursor");
}

/** The events after `since`, in seq order, with the order they belong to (for its current seq). */
export async function eventsAfter(
  identity: Identity,
  orderId: string,
  since: number,
): Promise<{ order: Order; events: OrderEvent[] }> {
  const { events, ...read } = await queryEventsAfter(orderId, since);
  const order = assertCanSeeOrder(identity, orderFor(identity, read));
  return { order, events };
}

// ------------------------------------------------------------------ listing

const cursorKeys = {
  gsi1: ["pk", "sk", "gsi1pk", "gsi1sk"],
  gsi2: ["pk", "sk", "gsi2pk", "gsi2sk"],
} as const;

function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key === undefined ? undefined : Buffer.from(JSON.stringify(key)).toString("base64url");
}

/**
 * A cursor is the opaque LastEvaluatedKey. It comes back from the client, so it is checked to
 * be exactly a key of the index being read AND of the partition being read: a customer cannot
 * page into someone else's orders by editing it.
 */
function decodeCursor(
  cursor: string | undefined,
  index: keyof typeof cursorKeys,
  partition: { name: string; value: string },
  sortKeyPrefix?: { name: string; value: string },
): Record<string, string> | undefined {
  if (cursor === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new BadRequestError("invalid cursor");
  }
  const expected: readonly string[] = cursorKeys[index];
  const ok =
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === expected.length &&
    expected.every((key) => typeof (value as Record<string, unknown>)[key] === "string") &&
    (value as Record<string, string>)[partition.name] === partition.value &&
    // A cursor of another status filter would start outside the query's key range.
    (sortKeyPrefix === undefined ||
      (value as Record<string, string>)[sortKeyPrefix.name]!.startsWith(sortKeyPrefix.value));
  if (!ok) throw new BadRequestError("invalid cursor");
  return value as Record<string, string>;
}

export interface OrderPage {
  orders: Order[];
  cursor?: string;
}

/**
 * `GET /orders`: a customer's orders newest first (`ordersOfCustomer`); staff: every order by
 * status and recency (`ordersForStaff`), optionally one status, or a search (`q`).
 */
export async function list(identity: Identity, input: ListOrdersInput): Promise<OrderPage> {
  if (input.q !== undefined) {
    if (!isStaff(identity)) throw new ForbiddenError("searching every order is for staff only");
    return searchOrders(input.q, input);
  }
  return isStaff(identity) ? ordersForStaff(input, identity.role) : ordersOfCustomer(identity.userId, input);
}

const defaultPageSize = 25;

/**
 * `ordersForStaff` (keys.ts): gsi2 ORDERS, by status then recency; `input.status` narrows to one
 * status, and with it `input.updatedAfter` to its orders changed since then.
 */
export async function ordersForStaff(input: ListOrdersInput, reader: Role = "staff"): Promise<OrderPage> {
  const values: Record<string, string> = { ":pk": ordersForStaffPk };
  let condition = "gsi2pk = :pk";
  if (input.status !== undefined && input.updatedAfter !== undefined) {
    const range = staffGsi2Range(input.status, input.updatedAfter);
    condition = "gsi2pk = :pk AND gsi2sk BETWEEN :from AND :to";
    values[":from"] = range.from;
    values[":to"] = range.to;
  } else if (input.status !== undefined) {
    condition = "gsi2pk = :pk AND begins_with(gsi2sk, :prefix)";
    values[":prefix"] = `${input.status}#`;
  } else if (input.updatedAfter !== undefined) {
    throw new BadRequestError("invalid query: updatedAfter: needs a status");
  }
  return orderPage(
    new QueryCommand({
      TableName: table(),
      IndexName: "gsi2",
      KeyConditionExpression: condition,
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
      Limit: input.limit ?? defaultPageSize,
      ExclusiveStartKey: decodeCursor(
        input.cursor,
        "gsi2",
        { name: "gsi2pk", value: ordersForStaffPk },
        input.status === undefined ? undefined : { name: "gsi2sk", value: `${input.status}#` },
      ),
    }),
    reader,
  );
}

/**
 * `ordersBySearchTerm` (keys.ts, order-search.ts): orders whose order number or a word of whose
 * customer name starts with each word of `q`, newest first within a word. A page holds each
 * order once; an order matching by two words may come again on a later page.
 */
export async function searchOrders(q: string, input: Pick<ListOrdersInput, "cursor" | "limit">): Promise<OrderPage> {
  const query = parseSearchQuery(q);
  const page = await dynamo().send(
    new QueryCommand({
      TableName: table(),
      ...searchQueryInput(query),
      Limit: input.limit ?? defaultPageSize,
      ExclusiveStartKey: decodeCursor(
        input.cursor,
        "gsi1",
        { name: "gsi1pk", value: searchPartitionOf(query) },
        { name: "gsi1sk", value: query.keyTerm },
      ),
    }),
  );
  const orderIds = [...new Set((page.Items ?? []).map((item) => item.orderId as string))];
  const orders = await ordersByIds(orderIds, "staff");
  const cursor = encodeCursor(page.LastEvaluatedKey);
  return { orders, ...(cursor === undefined ? {} : { cursor }) };
}

/** `ordersOfCustomer` (keys.ts): gsi1 CUSTOMER#{customerId}, newest first; `input.status` filters. */
export async function ordersOfCustomer(customerId: string, input: ListOrdersInput): Promise<OrderPage> {
  const pk = customerGsi1(customerId);
  return orderPage(
    new QueryCommand({
      TableName: table(),
      IndexName: "gsi1",
      KeyConditionExpression: "gsi1pk = :pk",
      ...(input.status === undefined
        ? { ExpressionAttributeValues: { ":pk": pk } }
        : {
            FilterExpression: "#status = :status",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: { ":pk": pk, ":status": input.status },
          }),
      ScanIndexForward: false,
      Limit: input.limit ?? defaultPageSize,
      ExclusiveStartKey: decodeCursor(input.cursor, "gsi1", { name: "gsi1pk", value: pk }),
    }),
    "customer",
  );
}

/**
 * One page of a listing: the orders with their seqs and the reader's unread counts, and the
 * cursor of the next page. The index gives the page's order ids; each order is then read with
 * its latest event and read positions (`order`, one strongly consistent Query per order, run
 * together): the order item from the base table, so its state and its seq are one snapshot.
 */
async function orderPage(query: QueryCommand, reader: Role): Promise<OrderPage> {
  const page = await dynamo().send(query);
  const orders = await ordersByIds(
    (page.Items ?? []).map((item) => item.id as string),
    reader,
  );
  const cursor = encodeCursor(page.LastEvaluatedKey);
  return { orders, ...(cursor === undefined ? {} : { cursor }) };
}

/** Orders by id with their seqs and the reader's unread counts, in the order given (`order` for each). */
async function ordersByIds(orderIds: string[], reader: Role): Promise<Order[]> {
  const reads = await Promise.all(orderIds.map((id) => queryOrder(id)));
  return reads.flatMap((read) => orderFor({ role: reader }, read) ?? []);
}

// ------------------------------------------------------------------ status changes

/**
 * The latest event a change of the order may be decided on, or undefined to read again: when
 * the order has none, or when its item is behind its latest status event (that event's writer
 * is between its two writes, or died there) — which this applies first, so the next read has
 * it applied and no change is decided on the stale item (events.ts, module comment).
 */
async function headToDecideOn(orderId: string, read: OrderRead): Promise<EventHead | undefined> {
  if (read.head === undefined) return undefined;
  if (!projectionBehind(read)) return read.head;
  await catchUpProjection(orderId, read.head);
  return undefined;
}

interface StatusChange {
  identity: Identity;
  orderId: string;
  to: OrderStatus;
  /** The version the caller saw; a different current version is a CONFLICT (no lost update). */
  expectedVersion?: number;
  /** Checked against each fresh read; returns why the change is refused. */
  refuse: (order: Order) => string | undefined;
}

/**
 * Read, check, commit; on a lost race re-read and re-check. The commit is the status event's
 * conditional Put at the seq after the latest event read: a concurrent event of any kind makes
 * it fail, and the re-read re-checks the version (optimistic concurrency: with a caller-given
 * version, a concurrent status change is a CONFLICT). Then the order item is brought up to the
 * event (`applyStatusEvent`, monotonic). An order item found behind its latest status event
 * (that event's writer is between its two writes, or died there) is brought up first, and the
 * change decided on the state after it, never on the stale item (events.ts, module comment).
 */
async function changeStatus(change: StatusChange): Promise<Order> {
  const { identity, orderId, to } = change;
  return withSeqRetry(async () => {
    const read = await queryOrder(orderId);
    const item = read.orderItem;
    const order = assertCanSeeOrder(identity, orderFor(identity, read));
    const head = await headToDecideOn(orderId, read);
    if (head === undefined) return undefined;
    // Read between another writer's order Update and its event (a Query reads its items one by
    // one): that event is not read yet, and the Put below would fail anyway.
    if (Number(item?.statusSeq ?? 0) > head.statusSeq) return undefined;
    const statusBy = item?.statusBy as StatusBy | undefined;
    const conflict = (message: string) =>
      new ConflictError(message, { currentVersion: order.version, status: order.status });
    if (change.expectedVersion !== undefined && order.version !== change.expectedVersion)
      throw conflict(lostRaceMessage(order, statusBy, identity, change.expectedVersion));
    const refusal = change.refuse(order);
    if (refusal !== undefined) throw conflict(refusedMessage(order, statusBy, identity, refusal, to));
    const now = new Date().toISOString();
    const seq = head.seq + 1;
    const version = order.version + 1;
    const updated: Order = { ...order, status: to, version, seq, updatedAt: now };
    const event: OrderStatusEvent = {
      kind: EventKind.OrderStatus,
      seq,
      orderId,
      customerId: order.customerId,
      at: now,
      from: order.status,
      status: to,
      version,
      by: { userId: identity.userId, role: identity.role },
    };
    const result = await tryAppendEvent({ orderId, head, event });
    if (!result.ok) return undefined;
    // Committed: the change stands whatever this Update does. Should it fail (throttled past its
    // retries) or never run (a crash), the fan-out's check applies the event and logs that it did,
    // and the next writer would before deciding (events.ts): no reason to tell the caller its
    // committed change failed, so that a retry of it meets a CONFLICT.
    await applyAsWriter(event).catch(() => false);
    return updated;
  });
}

/** `PATCH /orders/{id}/status` (staff): one step along the machine, at the version the caller saw. */
export async function updateStatus(identity: Identity, orderId: string, input: UpdateStatusInput): Promise<Order> {
  assertStaff(identity, "changing an order's status");
  return changeStatus({
    identity,
    orderId,
    to: input.status,
    expectedVersion: input.version,
    refuse: (order) =>
      canTransition(order.status, input.status)
        ? undefined
        : `illegal transition ${order.status} → ${input.status} (allowed: ${nextStatuses(order.status).join(", ") || "none"})`,
  });
}

/** `POST /orders/{id}/cancel`: the customer while placed; staff until delivered. */
export async function cancel(identity: Identity, orderId: string, input: CancelInput = {}): Promise<Order> {
  return changeStatus({
    identity,
    orderId,
    to: OrderStatus.Cancelled,
    ...(input.version === undefined ? {} : { expectedVersion: input.version }),
    refuse: (order) => cancelRefusal(order.status, identity.role),
  });
}

// ------------------------------------------------------------------ ETA

/**
 * `PATCH /orders/{id}/eta` (staff) `{etaAt}`: sets (a time in the future) or clears (null) when
 * the order is expected; an `order.eta` event, committed with the order's new `etaAt` in the seq
 * race like any event. Status and version stay: an ETA is no status change.
 */
export async function setEta(identity: Identity, orderId: string, input: SetEtaInput): Promise<Order> {
  assertStaff(identity, "setting an order's ETA");
  if (input.etaAt !== null && Date.parse(input.etaAt) <= Date.now())
    throw new BadRequestError("invalid ETA: etaAt: must be in the future (or null to clear it)");
  return withSeqRetry(async () => {
    const read = await queryOrder(orderId);
    const order = assertCanSeeOrder(identity, orderFor(identity, read));
    // The order returned must be the state at the ETA's seq: no status event missing from it.
    const head = await headToDecideOn(orderId, read);
    if (head === undefined) return undefined;
    const now = new Date().toISOString();
    const seq = head.seq + 1;
    const event: OrderEtaEvent = {
      kind: EventKind.OrderEta,
      seq,
      orderId,
      customerId: order.customerId,
      at: now,
      etaAt: input.etaAt,
      by: { userId: identity.userId, role: identity.role },
    };
    const result = await tryAppendEvent({
      orderId,
      head,
      event,
      orderUpdate: { set: ["etaAt = :etaAt"], condition: "attribute_exists(pk)", values: { ":etaAt": input.etaAt } },
    });
    if (!result.ok) return undefined;
    const { etaAt: _previous, ...rest } = order;
    return { ...rest, ...(input.etaAt === null ? {} : { etaAt: input.etaAt }), seq };
  });
}
