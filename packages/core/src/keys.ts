/**
 * The single-table model: every item's keys and every access pattern with its key condition.
 *
 * Keys are hand-written rather than ElectroDB: four entities, two GSIs and two transactions whose
 * condition expressions (seq/version checks, idempotency items) we need to state exactly. A
 * mapping layer would hide precisely the conditions the correctness argument rests on, and add a
 * dependency for ~60 lines of key builders.
 *
 * Table: pk/sk, gsi1 (gsi1pk/gsi1sk), gsi2 (gsi2pk/gsi2sk), TTL `expiresAt`, stream NEW_AND_OLD_IMAGES.
 *
 * | item          | pk                     | sk                     | gsi1pk / gsi1sk                    | gsi2pk / gsi2sk                         |
 * |---------------|------------------------|------------------------|------------------------------------|-----------------------------------------|
 * | Order         | ORDER#{orderId}        | ORDER                  | CUSTOMER#{customerId} / {createdAt}#{orderId} | ORDERS / {status}#{updatedAt}#{orderId} |
 * | ReadPosition  | ORDER#{orderId}        | READ#{role}            | –                                  | –                                       |
 * | OrderEvent    | ORDER#{orderId}        | EVENT#{seq, 10 digits} | –                                  | –                                       |
 * | ChatClientId  | CHATMSG#{orderId}#{userId}#{clientMessageId} | CHATMSG | –                        | –                                       |
 * | Connection    | CONN#{connectionId}    | CONN                   | –                                  | –                                       |
 * | Subscription  | TOPIC#{topic}          | CONN#{connectionId}    | CONN#{connectionId} / TOPIC#{topic} | –                                      |
 * | SearchTerm    | ORDER#{orderId}        | TERM#{term}            | SEARCH#{term[0]} / {term}#{createdAt}#{orderId} | –                          |
 * | UserConnections | USER#{userId}        | CONNECTIONS            | –                                  | –                                       |
 * | ConnectTicket | TICKET#{sha256(ticket)} | TICKET                | –                                  | –                                       |
 * | RateWindow    | LIMIT#{userId}         | {limit}#{window}       | –                                  | –                                       |
 * | StaffPresence | PRESENCE#staff         | CONN#{connectionId}    | –                                  | –                                       |
 *
 * Access patterns:
 * Each pattern names the function that runs it (order.ts, events.ts, subscription.ts).
 * - `ordersOfCustomer` — a customer's orders, newest first:
 *     gsi1: gsi1pk = CUSTOMER#{customerId}, ScanIndexForward = false.
 * - `ordersForStaff` — every order, by status then recency (the staff board):
 *     gsi2: gsi2pk = ORDERS [AND begins_with(gsi2sk, "{status}#")], ScanIndexForward = false.
 *     One partition: a shop's board is a few thousand writes a day, far below a partition's
 *     1000 writes/s; a busier deployment would shard gsi2pk (ORDERS#{0..n}) and merge.
 *     `?status=S&updatedAfter=T` (a reconnect's catch-up of what finished meanwhile) narrows to
 *     gsi2sk BETWEEN "{S}#{T}" AND "{S}$" ("$" sorts right after "#": the end of the status).
 * - `ordersBySearchTerm` (order-search.ts) — staff search by order number or customer name:
 *     gsi1: gsi1pk = SEARCH#{first character of the term} AND begins_with(gsi1sk, "{term}"),
 *     ScanIndexForward = false (one word's orders newest first). A term is one normalized word
 *     (lower case, accents and punctuation removed) of the order's contact name, or its order
 *     number; each is a small SearchTerm item written with the order, in its create transaction.
 *     DynamoDB has no case- or accent-insensitive condition, hence the normalized copy; a term
 *     item per word is what makes "martin" find "Anne-Marie Martin" with a key condition, not a
 *     filter over every order. The first character shards the terms over 36 partitions.
 * - `order` (`queryOrder`) — an order, its read positions and its latest event (whose seq is the
 *     order's, whose running totals are its chat counts and current status event, events.ts), one
 *     strongly consistent Query: pk = ORDER#{orderId} AND sk BETWEEN "EVENT#" AND "READ$",
 *     ScanIndexForward = false, Limit = orderItemsAfterEvents + 1 (READ#staff, READ#customer and
 *     ORDER come first, then the latest event; a missing read position lets an older event in).
 *     Every order read, the status change's and every listing's (one per order listed) is this one.
 * - `orderWithLatestEvents` (`queryEventsPage` backwards) — `GET /orders/{id}`: the order and its
 *     newest events, one page: the `order` range with Limit = page + orderItemsAfterEvents.
 *     `?before=N` reads the page below seq N: sk BETWEEN "EVENT#" AND EVENT#{pad(N-1)}.
 * - `eventsPage` (`queryEventsPage` forwards) — `GET /orders/{id}/events?since=N`, one bounded
 *     page: pk = ORDER#{orderId} AND sk BETWEEN EVENT#{pad(N)} AND "READ$", Limit = page + 1 +
 *     orderItemsAfterEvents (the event N says the order's seq when nothing follows it; the order
 *     and read items end the range; a cut page reads them with `order` instead).
 * - `eventsAfter` (`queryEventsAfter`) — an order's events after seq N (resume), plus the order
 *     and read items last: pk = ORDER#{orderId} AND sk BETWEEN EVENT#{pad(N)} AND "READ$".
 *     The order item comes along for the authorization check and the last event for the current
 *     seq, so a replay is one strongly consistent Query.
 * - `latestEvent` (subscription.ts `orderSeqsOfConnection`) — an order's seq: pk = ORDER#{orderId}
 *     AND begins_with(sk, "EVENT#"), ScanIndexForward = false, Limit 1.
 * - `subscribersOfTopic` — live connections subscribed to a topic (fan-out; a Query, never a Scan):
 *     pk = TOPIC#{topic}, ConsistentRead. On the base table, not a GSI, on purpose: a GSI is
 *     eventually consistent, and the subscribe flow's no-missed-event argument (subscription
 *     written before the replay read) needs the fan-out to see every subscription written before
 *     the event.
 * - `orderSeqsOfConnection` (subscription.ts) — the seq of each order a connection holds (`pong`):
 *     `subscriptionsOfConnection` below, then `latestEvent` of each order, eventually consistent
 *     (0.5 RRU + 0.5 per order topic).
 * - `subscriptionsOfConnection` — cleanup on `$disconnect` / 410:
 *     gsi1: gsi1pk = CONN#{connectionId}. Eventually consistent; a subscription the cleanup
 *     misses is deleted by the next fan-out's 410 or by TTL.
 * - `storedEvent` (events.ts) — one event by its key, GetItem pk = ORDER#{orderId}, sk = EVENT#{seq}
 *     (the fan-out replay reads the events a failure message's stream range names).
 * - `connection` (`register`) — PutItem pk = CONN#{connectionId}, sk = CONN.
 * - `userConnections` (connection.ts: `claimSlot`, `releaseSlot`, `connectionsOfUser`) — the live
 *     connections of a user, one item: map `live` connectionId → connectedAt (ms). Claimed by a
 *     conditional UpdateItem (`size(live) < max`) on `$connect`, released on `$disconnect`;
 *     read (GetItem, strongly consistent) when the cap is reached and on sign-out. One item, not
 *     a Query over connection items, so the cap is one atomic condition even when a user opens
 *     150 connections in a second.
 * - `connectTicket` (ticket.ts: `issue`, `redeem`) — PutItem on `POST /realtime/tickets`;
 *     redeemed by a conditional DeleteItem (exists, unexpired) returning the old item: of two
 *     redemptions exactly one gets the identity. The key is the ticket's SHA-256, so someone who
 *     can read the table cannot redeem what they read. TTL `expiresAt`.
 * - `rateWindow` (rate-limit.ts: `admit`, `admitFrame`) — one conditional UpdateItem per counted
 *     event: `ADD n :1` while `n < max`; `{limit}` is `frames`, `orderPlacements`, `tickets`;
 *     `{window}` the window's number since the epoch. TTL `expiresAt` a minute past the window.
 * - `chatClientMessageId` — GetItem/conditional Put of the idempotency item of a chat send.
 * - `readPositions` (read-position.ts) — an order's two read positions, `READ#customer` (its
 *     customer) and `READ#staff` (staff share ONE per order: the board is the shop's shared
 *     inbox, so a message any staff member has read is read for the shop). "READ#" sorts after
 *     "ORDER" and before "READ$", so the `order` Query above (and every range that ends at
 *     "READ$") reads them with the order at no extra request. Written by `markRead` with a
 *     condition that it only moves forward (`attribute_not_exists(seq) OR seq < :seq`), and only
 *     when the read shows it would. `unread` = the other side's chat count (the latest event's
 *     running `chatCustomer` / `chatStaff`) minus the count the position had seen (`seen`).
 * - `staffConnections` (presence.ts) — staff connections and their latest heartbeat:
 *     pk = PRESENCE#staff (one partition: a shop has a handful of staff connections), a Query
 *     (eventually consistent) answers "is any staff connection live?". Put on a staff
 *     `$connect` and refreshed by a staff `ping` at most once per heartbeat interval per
 *     connection (never by customers' pings), deleted on `$disconnect`, TTL past the 2-hour limit.
 *
 * The stream subscriber's filter (routes.ts) passes INSERTs whose sk begins with "EVENT#": event
 * items are write-once, so each event is fanned out from exactly one stream record.
 *
 * Why an order's seq is its latest event's, on no item of its own: the order item is projected
 * into gsi1 and gsi2, so bumping a seq there rewrote both index entries on every event, a chat
 * message too; a seq counter item of its own (what this was before) made every event a
 * transaction of two items, 2 WRU each. The event's conditional Put at the next seq is the
 * commit instead (events.ts), 1 WRU (docs/costs.md).
 */
import type { OrderStatus, Role, Topic } from "./protocol";

/** Ten digits: seq order equals string order up to 9,999,999,999 events per order. */
export const seqDigits = 10;
const maxSeq = 10 ** seqDigits - 1;

export function padSeq(seq: number): string {
  if (!Number.isInteger(seq) || seq < 0 || seq > maxSeq) throw new RangeError(`seq out of range: ${seq}`);
  return String(seq).padStart(seqDigits, "0");
}

export const orderSk = "ORDER";
/**
 * The end of an order's own range: after every "EVENT#…", "ORDER" and "READ#…" key ("$" sorts
 * right after "#"), before "TERM#…". One range reads events, the order and its read positions.
 */
export const orderRangeEnd = "READ$";
export const eventSkPrefix = "EVENT#";
export const ordersForStaffPk = "ORDERS";

export const orderKey = (orderId: string) => ({ pk: `ORDER#${orderId}`, sk: orderSk }) as const;
export const orderPk = (orderId: string) => `ORDER#${orderId}`;
export const eventKey = (orderId: string, seq: number) => ({
  pk: orderPk(orderId),
  sk: `${eventSkPrefix}${padSeq(seq)}`,
});

/**
 * sk bounds of the events from `since` on (the event `since` itself too, which says the order's
 * seq when nothing came after it) up to and including the order and read position items.
 */
export function eventsFromRange(since: number): { from: string; to: string } {
  return { from: `${eventSkPrefix}${padSeq(Math.max(since, 1))}`, to: orderRangeEnd };
}

/** sk bounds of the events before `before` (none when before ≤ 1). */
export function eventsBeforeRange(before: number): { from: string; to: string } | undefined {
  if (before <= 1) return undefined;
  return { from: eventSkPrefix, to: `${eventSkPrefix}${padSeq(before - 1)}` };
}

/** sk bounds of an order's latest event, the order item and its read positions (`order`, read backwards). */
export const orderRange = { from: eventSkPrefix, to: orderRangeEnd } as const;

export const customerGsi1 = (customerId: string) => `CUSTOMER#${customerId}`;
export const customerGsi1Sk = (createdAt: string, orderId: string) => `${createdAt}#${orderId}`;
export const staffGsi2Sk = (status: OrderStatus, updatedAt: string, orderId: string) =>
  `${status}#${updatedAt}#${orderId}`;
/** gsi2sk bounds of one status's orders updated at or after `updatedAfter` (ISO-8601). */
export const staffGsi2Range = (status: OrderStatus, updatedAfter: string) =>
  ({ from: `${status}#${updatedAfter}`, to: `${status}$` }) as const;

/** After "READ$", so no range of an order's events, order and read items ever reads a term. */
export const searchTermSkPrefix = "TERM#";
/** A search term item: one normalized word (or the order number) of an order. */
export const searchTermKey = (orderId: string, term: string) => ({
  pk: orderPk(orderId),
  sk: `${searchTermSkPrefix}${term}`,
});
export const searchTermGsi1 = (term: string) => `SEARCH#${term.charAt(0)}`;
export const searchTermGsi1Sk = (term: string, createdAt: string, orderId: string) => `${term}#${createdAt}#${orderId}`;

export const chatClientMessageKey = (orderId: string, userId: string, clientMessageId: string) => ({
  pk: `CHATMSG#${orderId}#${userId}#${clientMessageId}`,
  sk: "CHATMSG",
});

export const readPositionSkPrefix = "READ#";
export const readPositionKey = (orderId: string, role: Role) => ({
  pk: orderPk(orderId),
  sk: `${readPositionSkPrefix}${role}`,
});
/** The items that end an order's event range (`ORDER`, `READ#customer`, `READ#staff`): a page reads them too. */
export const orderItemsAfterEvents = 3;

export const staffPresencePk = "PRESENCE#staff";
export const staffPresenceKey = (connectionId: string) => ({ pk: staffPresencePk, sk: `CONN#${connectionId}` });

export const connectionKey = (connectionId: string) => ({ pk: `CONN#${connectionId}`, sk: "CONN" });
export const userConnectionsKey = (userId: string) => ({ pk: `USER#${userId}`, sk: "CONNECTIONS" });
/** `ticketDigest` is the SHA-256 of the ticket (base64url): the ticket itself is never stored. */
export const connectTicketKey = (ticketDigest: string) => ({ pk: `TICKET#${ticketDigest}`, sk: "TICKET" });
export const rateWindowKey = (userId: string, limit: string, window: number) => ({
  pk: `LIMIT#${userId}`,
  sk: `${limit}#${window}`,
});
export const connectionGsi1 = (connectionId: string) => `CONN#${connectionId}`;

export const topicPk = (topic: Topic) => `TOPIC#${topic}`;
export const subscriptionKey = (topic: Topic, connectionId: string) => ({
  pk: topicPk(topic),
  sk: `CONN#${connectionId}`,
});
export const subscriptionGsi1 = (connectionId: string, topic: Topic) => ({
  gsi1pk: connectionGsi1(connectionId),
  gsi1sk: `TOPIC#${topic}`,
});

/** Parse the order id of an `order:{id}` topic; undefined for other topics. */
export function orderIdOfTopic(topic: Topic): string | undefined {
  return topic.startsWith("order:") ? topic.slice("order:".length) : undefined;
}

export const orderTopic = (orderId: string): Topic => `order:${orderId}`;
export const customerTopic = (customerId: string): Topic => `customer:${customerId}`;

/** Parse the customer id of a `customer:{id}` topic; undefined for other topics. */
export function customerIdOfTopic(topic: Topic): string | undefined {
  return topic.startsWith("customer:") ? topic.slice("customer:".length) : undefined;
}
export const allOrdersTopic: Topic = "orders";
/**
 * Not a topic clients ask for: a customer's `subscribe` to an `order:` topic also subscribes the
 * connection here, so a change of staff presence reaches every customer watching an order.
 */
export const staffPresenceTopic: Topic = "presence:staff";
