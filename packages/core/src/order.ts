/**
 * Orders: place (priced from the menu), read, list, status changes with optimistic concurrency,
 * cancel (SPEC §5).
 * Every change is an event with the order's next seq (events.ts); the stream fan-out pushes it.
 */
import { randomUUID } from "node:crypto";
import { BatchGetCommand, QueryCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { assertCanSeeOrder, assertCustomer, assertStaff, type Identity, isStaff } from "./authz";
import { dynamo, table } from "./dynamo";
import { BadRequestError, ConflictError, isErrorNamed } from "./errors";
import {
  currentSeq,
  eventItem,
  orderSeqItem,
  queryEventsAfter,
  queryOrder,
  tryAppendEvent,
  withSeqRetry,
} from "./events";
import { customerGsi1, customerGsi1Sk, orderKey, orderSeqKey, ordersForStaffPk, staffGsi2Sk } from "./keys";
import { menuItemOf } from "./menu";
import { cancelRefusal, canTransition, nextStatuses } from "./order-status";
import {
  EventKind,
  type Order,
  type OrderCreatedEvent,
  type OrderEvent,
  type OrderItem,
  OrderStatus,
  type OrderStatusEvent,
} from "./protocol";
import { admit, Limit } from "./rate-limit";
import { RetryPolicy, retryUntilDefined } from "./retry";
import type { CancelInput, CreateOrderInput, ListOrdersInput, UpdateStatusInput } from "./validation";

/** The stored order item: the public Order plus its keys; its seq lives in the seq item. */
export interface OrderItemRecord extends Omit<Order, "seq"> {
  pk: string;
  sk: string;
  entity: "order";
  gsi1pk: string;
  gsi1sk: string;
  gsi2pk: string;
  gsi2sk: string;
}

/** The public shape (SPEC §5), whatever else the item carries, with the order's current seq. */
export function toOrder(item: Record<string, unknown>, seq: number): Order {
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
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
  if (record.note !== undefined) order.note = record.note;
  return order;
}

function orderItem(order: Order): OrderItemRecord {
  const { seq: _seq, ...fields } = order;
  return {
    ...orderKey(order.id),
    entity: "order",
    ...fields,
    gsi1pk: customerGsi1(order.customerId),
    gsi1sk: customerGsi1Sk(order.createdAt, order.id),
    gsi2pk: ordersForStaffPk,
    gsi2sk: staffGsi2Sk(order.status, order.updatedAt, order.id),
  };
}

/** Strongly consistent read of one order and its seq, no authorization (internal use). */
export async function readOrder(orderId: string): Promise<Order | undefined> {
  const { orderItem: item, seq } = await queryOrder(orderId);
  return item === undefined ? undefined : toOrder(item, seq ?? 0);
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
    createdAt: now,
    updatedAt: now,
  };
  if (input.note !== undefined) order.note = input.note;
  const event: OrderCreatedEvent = { kind: EventKind.OrderCreated, seq: 1, orderId: order.id, at: now, order };
  try {
    await dynamo().send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: table(), Item: orderItem(order), ConditionExpression: "attribute_not_exists(pk)" } },
          {
            Put: {
              TableName: table(),
              Item: orderSeqItem(order.id, 1),
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          { Put: { TableName: table(), Item: eventItem(event), ConditionExpression: "attribute_not_exists(pk)" } },
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

/** `GET /orders/{id}`: the order and its whole history, one strongly consistent Query. */
export async function getWithEvents(
  identity: Identity,
  orderId: string,
): Promise<{ order: Order; events: OrderEvent[] }> {
  return eventsAfter(identity, orderId, 0);
}

/** The events after `since`, in seq order, with the order they belong to (for its current seq). */
export async function eventsAfter(
  identity: Identity,
  orderId: string,
  since: number,
): Promise<{ order: Order; events: OrderEvent[] }> {
  const { events, orderItem: item, seq } = await queryEventsAfter(orderId, since);
  const order = assertCanSeeOrder(identity, item === undefined ? undefined : toOrder(item, seq ?? 0));
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
 * status and recency (`ordersForStaff`), optionally one status.
 */
export async function list(identity: Identity, input: ListOrdersInput): Promise<OrderPage> {
  return isStaff(identity) ? ordersForStaff(input) : ordersOfCustomer(identity.userId, input);
}

const defaultPageSize = 25;

/** `ordersForStaff` (keys.ts): gsi2 ORDERS, by status then recency; `input.status` narrows to one status. */
export async function ordersForStaff(input: ListOrdersInput): Promise<OrderPage> {
  const values: Record<string, string> = { ":pk": ordersForStaffPk };
  if (input.status !== undefined) values[":prefix"] = `${input.status}#`;
  return orderPage(
    new QueryCommand({
      TableName: table(),
      IndexName: "gsi2",
      KeyConditionExpression:
        input.status === undefined ? "gsi2pk = :pk" : "gsi2pk = :pk AND begins_with(gsi2sk, :prefix)",
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
  );
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
  );
}

/** One page of a listing: the orders with their seqs, and the cursor of the next page. */
async function orderPage(query: QueryCommand): Promise<OrderPage> {
  const page = await dynamo().send(query);
  const items = page.Items ?? [];
  const seqs = await seqsOf(items.map((item) => item.id as string));
  const cursor = encodeCursor(page.LastEvaluatedKey);
  return {
    orders: items.map((item) => toOrder(item, currentSeq(item, seqs.get(item.id as string)) ?? 0)),
    ...(cursor === undefined ? {} : { cursor }),
  };
}

/** The seq items of a page of orders: one BatchGetItem (a page is at most 100 orders). */
async function seqsOf(orderIds: string[]): Promise<Map<string, Record<string, unknown>>> {
  const found = new Map<string, Record<string, unknown>>();
  let keys: Record<string, unknown>[] = orderIds.map((id) => orderSeqKey(id));
  return retryUntilDefined(
    async () => {
      if (keys.length > 0) {
        const result = await dynamo().send(
          new BatchGetCommand({ RequestItems: { [table()]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of result.Responses?.[table()] ?? [])
          found.set((item.pk as string).slice("ORDER#".length), item);
        keys = result.UnprocessedKeys?.[table()]?.Keys ?? [];
      }
      return keys.length === 0 ? found : undefined;
    },
    { policy: RetryPolicy.unprocessedItems, exhausted: () => new Error("could not read the seqs of a page of orders") },
  );
}

// ------------------------------------------------------------------ status changes

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
 * Read, check, commit; on a lost race re-read and re-check. The commit is conditioned on both
 * the version read (optimistic concurrency: a concurrent status change makes us re-check, and
 * with a caller-given version, fail) and the seq read (a concurrent chat message only makes us
 * retry).
 */
async function changeStatus(change: StatusChange): Promise<Order> {
  const { identity, orderId, to } = change;
  return withSeqRetry(async () => {
    const order = assertCanSeeOrder(identity, await readOrder(orderId));
    if (change.expectedVersion !== undefined && order.version !== change.expectedVersion) {
      throw new ConflictError(`stale version ${change.expectedVersion}: the order is at version ${order.version}`, {
        currentVersion: order.version,
        status: order.status,
      });
    }
    const refusal = change.refuse(order);
    if (refusal !== undefined)
      throw new ConflictError(refusal, { currentVersion: order.version, status: order.status });
    const now = new Date().toISOString();
    const seq = order.seq + 1;
    const version = order.version + 1;
    const updated: Order = { ...order, status: to, version, seq, updatedAt: now };
    const event: OrderStatusEvent = {
      kind: EventKind.OrderStatus,
      seq,
      orderId,
      at: now,
      from: order.status,
      status: to,
      version,
      by: { userId: identity.userId, role: identity.role },
    };
    const result = await tryAppendEvent({
      orderId,
      expectedSeq: order.seq,
      event,
      orderUpdate: {
        set: ["#status = :to", "#version = :nextVersion", "updatedAt = :now", "gsi2sk = :gsi2sk"],
        condition: "#version = :version",
        names: { "#status": "status", "#version": "version" },
        values: {
          ":to": to,
          ":nextVersion": version,
          ":version": order.version,
          ":now": now,
          ":gsi2sk": staffGsi2Sk(to, now, orderId),
        },
      },
    });
    return result.ok ? updated : undefined;
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
