/**
 * Subscriptions: which connection listens to which topic (`order:{id}`, `orders` or `customer:{id}`).
 *
 * Item: pk TOPIC#{topic}, sk CONN#{connectionId} (fan-out reads the topic's partition, strongly
 * consistent), gsi1 CONN#{connectionId} / TOPIC#{topic} (cleanup), TTL `expiresAt` past the
 * 2-hour connection limit. See keys.ts for why the topic side is the base table.
 *
 * The subscribe flow guarantees that no event falls between replay and live delivery:
 *   1. check access (no write on refusal);
 *   2. write the subscription — from here on, every newly committed event's fan-out sees it;
 *   3. THEN read the topic's current seq and the events after `since` (strongly consistent);
 *   4. reply `subscribed` (seq) followed by the replayed events in order.
 * An event committed before step 2 is in the read of step 3; one committed after step 2 is
 * fanned out to us. One committed in between may come both ways: delivery is at-least-once and
 * the client deduplicates by seq.
 */

import type { QueryCommandInput } from "@aws-sdk/lib-dynamodb";
import { assertCanSeeOrder, assertStaff, type Identity, isStaff } from "./authz";
import { fanOutLimits } from "./config";
import { connectionExpiresAt } from "./connection";
import { DeleteCommand, dynamo, PutCommand, paginateQuery, QueryCommand, table } from "./dynamo";
import { NotFoundError } from "./errors";
import {
  connectionGsi1,
  customerIdOfTopic,
  eventSkPrefix,
  orderIdOfTopic,
  orderPk,
  staffPresenceTopic,
  subscriptionGsi1,
  subscriptionKey,
  topicPk,
} from "./keys";
import { eventsAfter, readOrder } from "./order";
import { staffPresence } from "./presence";
import type { OrderEvent, OrderTopicSeqs, StaffPresence, Topic } from "./protocol";

export interface SubscriptionRecord {
  pk: string;
  sk: string;
  gsi1pk: string;
  gsi1sk: string;
  entity: "subscription";
  topic: Topic;
  connectionId: string;
  userId: string;
  createdAt: string;
  expiresAt: number;
}

export interface ConnectionContext {
  connectionId: string;
  /** `requestContext.connectedAt` (ms): the TTL of everything the connection writes derives from it. */
  connectedAt: number;
  identity: Identity;
}

export async function put(connection: ConnectionContext, topic: Topic): Promise<void> {
  const item: SubscriptionRecord = {
    ...subscriptionKey(topic, connection.connectionId),
    ...subscriptionGsi1(connection.connectionId, topic),
    entity: "subscription",
    topic,
    connectionId: connection.connectionId,
    userId: connection.identity.userId,
    createdAt: new Date().toISOString(),
    expiresAt: connectionExpiresAt(connection.connectedAt),
  };
  await dynamo().send(new PutCommand({ TableName: table(), Item: item }));
}

export async function remove(connectionId: string, topic: Topic): Promise<void> {
  await dynamo().send(new DeleteCommand({ TableName: table(), Key: subscriptionKey(topic, connectionId) }));
}

/**
 * `subscribersOfTopic`: the connection ids subscribed to a topic, page by page (a Query on the
 * topic's partition, strongly consistent; never a Scan). The first page is small
 * (`firstPageSize`) so the posts start after a short Query, and the rest come in pages of
 * `pageSize`, read while the first are posted (fanout.ts).
 */
export async function* subscribersOfTopic(
  topic: Topic,
  pageSize: number = fanOutLimits.pageSize,
  firstPageSize: number = fanOutLimits.firstPageSize,
): AsyncGenerator<string[]> {
  const input: QueryCommandInput = {
    TableName: table(),
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": topicPk(topic) },
    ProjectionExpression: "connectionId",
    ConsistentRead: true,
  };
  const first = await dynamo().send(new QueryCommand({ ...input, Limit: Math.min(firstPageSize, pageSize) }));
  const ids = (page: { Items?: Record<string, unknown>[] }) =>
    (page.Items ?? []).map((item) => item.connectionId as string);
  if (first.Items?.length) yield ids(first);
  if (first.LastEvaluatedKey === undefined) return;
  for await (const page of paginateQuery(
    { client: dynamo(), pageSize },
    { ...input, ExclusiveStartKey: first.LastEvaluatedKey },
  )) {
    if (page.Items?.length) yield ids(page);
  }
}

/** `subscriptionsOfConnection` (gsi1, for cleanup): the topics a connection is subscribed to. */
export async function subscriptionsOfConnection(connectionId: string): Promise<Topic[]> {
  const topics: Topic[] = [];
  const pages = paginateQuery(
    { client: dynamo() },
    {
      TableName: table(),
      IndexName: "gsi1",
      KeyConditionExpression: "gsi1pk = :pk AND begins_with(gsi1sk, :prefix)",
      ExpressionAttributeValues: { ":pk": connectionGsi1(connectionId), ":prefix": "TOPIC#" },
    },
  );
  for await (const page of pages) for (const item of page.Items ?? []) topics.push(item.topic as Topic);
  return topics;
}

const latestEventReadsInFlight = 25;

/**
 * `orderSeqsOfConnection` — the current seq of every `order:` topic a connection holds (what
 * `pong` carries, SPEC §4), read without writing: the connection's subscriptions
 * (`subscriptionsOfConnection`, gsi1), then each order's latest event (a Query of its events
 * backwards, Limit 1, `latestEvent` in keys.ts), all eventually consistent. Read units: 0.5 for
 * the subscriptions (they fit in 4 KB) plus 0.5 per order topic: 1 RRU for a customer watching
 * one order. A seq read a moment stale only delays a gap's discovery to the next heartbeat; the
 * event's own push usually arrives first anyway.
 */
export async function orderSeqsOfConnection(connectionId: string): Promise<OrderTopicSeqs> {
  const orderIds = (await subscriptionsOfConnection(connectionId)).flatMap((topic) => orderIdOfTopic(topic) ?? []);
  const seqs: OrderTopicSeqs = {};
  // A bounded number of Queries in flight: a connection may hold many order topics.
  for (let from = 0; from < orderIds.length; from += latestEventReadsInFlight) {
    await Promise.all(
      orderIds.slice(from, from + latestEventReadsInFlight).map(async (orderId) => {
        const page = await dynamo().send(
          new QueryCommand({
            TableName: table(),
            KeyConditionExpression: "pk = :pk AND begins_with(sk, :events)",
            ExpressionAttributeValues: { ":pk": orderPk(orderId), ":events": eventSkPrefix },
            ProjectionExpression: "seq",
            ScanIndexForward: false,
            Limit: 1,
            ConsistentRead: false,
          }),
        );
        const latest = page.Items?.[0];
        // An order with no event (a deleted one) is left out.
        if (latest !== undefined) seqs[`order:${orderId}`] = latest.seq as number;
      }),
    );
  }
  return seqs;
}

export interface SubscribeResult {
  topic: Topic;
  /** The topic's current seq (0 for the feeds, `orders` and `customer:…`, which have no feed-wide seq). */
  seq: number;
  /** Events after `since`, in seq order (none without `since`, none for the feeds). */
  events: OrderEvent[];
  /** `order:` topics: whether staff are online (presence.ts). */
  presence?: StaffPresence;
}

/** The subscribe flow (see the module comment for why the steps are in this order). */
export async function subscribe(
  connection: ConnectionContext,
  request: { topic: Topic; since?: number },
): Promise<SubscribeResult> {
  const { topic } = request;
  const customerId = customerIdOfTopic(topic);
  if (customerId !== undefined) {
    // `customer:{id}`: that customer or staff; for anyone else it does not exist (as an order
    // of someone else does not). A feed like `orders`: no replay, catch up through REST.
    if (!isStaff(connection.identity) && connection.identity.userId !== customerId)
      throw new NotFoundError("customer not found");
    await put(connection, topic);
    return { topic, seq: 0, events: [] };
  }
  const orderId = orderIdOfTopic(topic);
  if (orderId === undefined) {
    // `orders`: staff only. No feed-wide seq, so no replay (`since`, if sent, means nothing here);
    // a staff client catches up through REST (SPEC §4).
    assertStaff(connection.identity, "the orders feed");
    await put(connection, topic);
    return { topic, seq: 0, events: [] };
  }
  assertCanSeeOrder(connection.identity, await readOrder(orderId));
  // A customer watching an order hears of staff presence changes (presence-push.ts).
  await Promise.all([
    put(connection, topic),
    isStaff(connection.identity) ? undefined : put(connection, staffPresenceTopic),
  ]);
  const presence = staffPresence();
  if (request.since === undefined) {
    const order = await readOrder(orderId);
    return { topic, seq: order?.seq ?? 0, events: [], presence: await presence };
  }
  const { order, events } = await eventsAfter(connection.identity, orderId, request.since);
  const lastReplayed = events.at(-1)?.seq ?? 0;
  return { topic, seq: Math.max(order.seq, lastReplayed), events, presence: await presence };
}
