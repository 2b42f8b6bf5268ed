/**
 * Staff presence (SPEC §3, §4): staff are online while at least one staff connection has a
 * recent heartbeat. `$disconnect` is never trusted alone (API Gateway sends it on a best-effort
 * basis): a staff browser killed without one stops heartbeating, and its window ends.
 *
 * How liveness is learnt — the choice SPEC §4 leaves, and why this one: a staff connection's item
 * (keys.ts, `staffConnections`) holds its latest heartbeat, put on `$connect` and refreshed by a
 * staff `ping` at most once per `refreshMs` per connection. The alternative, `GET @connections`
 * `LastActiveAt`, writes nothing, but AWS documents it only as "when the connection was last
 * active", not whether the server's own posts count — and a staff board receives a post for
 * every order event, so a dead board could look alive for as long as orders come in. The table
 * item depends on nothing undocumented. Its cost stays small: customers' pings (almost every
 * connection) never write; a staff connection writes one item per heartbeat interval (4 min):
 * 15 writes an hour per staff tab (docs/product.md has the figures).
 *
 * Online means: some staff connection's heartbeat is younger than `windowMs` = one heartbeat
 * interval plus the slack a heartbeat may be late by. A customer is told `staffOnlineUntil` (the
 * newest heartbeat + window) and asks again then, so a killed staff browser shows offline at most
 * one heartbeat interval plus slack after its last heartbeat: within two intervals of dying.
 */
import { connectionExpiresAt } from "./connection";
import { DeleteCommand, dynamo, PutCommand, QueryCommand, table } from "./dynamo";
import { staffPresenceKey, staffPresencePk } from "./keys";
import { heartbeatSeconds, type StaffPresence } from "./protocol";

export interface PresenceSettings {
  /** A staff connection whose heartbeat is older than this is not live. */
  windowMs: number;
  /** A staff ping refreshes its connection's item when the stored heartbeat is at least this old. */
  refreshMs: number;
}

/**
 * From the heartbeat interval clients use (`heartbeatSeconds`; `LIVE_ORDERS_HEARTBEAT_SECONDS`
 * for tests that shorten it, given to the web app too): a window of one interval and a quarter
 * (a heartbeat's timer may run late in a background tab), refreshed at every heartbeat but a
 * burst of them (a probe when a tab returns).
 */
export function presenceSettings(): PresenceSettings {
  const configured = Number(process.env.LIVE_ORDERS_HEARTBEAT_SECONDS);
  const intervalMs = (Number.isFinite(configured) && configured > 0 ? configured : heartbeatSeconds) * 1000;
  return { windowMs: Math.round(intervalMs * 1.25), refreshMs: Math.round(intervalMs / 2) };
}

export interface StaffConnectionItem {
  pk: string;
  sk: string;
  entity: "staffConnection";
  connectionId: string;
  heartbeatAt: number;
  expiresAt: number;
}

/**
 * When this instance last stored each staff connection's heartbeat: a staff ping that comes
 * sooner than `refreshMs` after writes nothing, with no read either. Another instance that meets
 * the connection writes once more, which only refreshes sooner.
 */
const storedAt = new Map<string, number>();
const maxRemembered = 10_000;

/** A staff connection is live now (`$connect`, or a heartbeat due for a refresh). */
export async function recordStaffHeartbeat(
  connectionId: string,
  connectedAt: number,
  nowMs = Date.now(),
  force = false,
): Promise<boolean> {
  const last = storedAt.get(connectionId);
  if (!force && last !== undefined && nowMs - last < presenceSettings().refreshMs) return false;
  const item: StaffConnectionItem = {
    ...staffPresenceKey(connectionId),
    entity: "staffConnection",
    connectionId,
    heartbeatAt: nowMs,
    expiresAt: connectionExpiresAt(connectedAt),
  };
  await dynamo().send(new PutCommand({ TableName: table(), Item: item }));
  if (storedAt.size >= maxRemembered) storedAt.clear();
  storedAt.set(connectionId, nowMs);
  return true;
}

/** `$disconnect` of a staff connection. */
export async function forgetStaffConnection(connectionId: string): Promise<void> {
  storedAt.delete(connectionId);
  await dynamo().send(new DeleteCommand({ TableName: table(), Key: staffPresenceKey(connectionId) }));
}

/**
 * Whether staff are online now, and until when at least (`staffConnections`, one Query;
 * `consistent` right after this request's own write, e.g. on `$disconnect`).
 */
export async function staffPresence(nowMs = Date.now(), consistent = false): Promise<StaffPresence> {
  const { windowMs } = presenceSettings();
  let newest = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamo().send(
      new QueryCommand({
        TableName: table(),
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": staffPresencePk },
        ProjectionExpression: "heartbeatAt",
        ConsistentRead: consistent,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) newest = Math.max(newest, Number(item.heartbeatAt ?? 0));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  const until = newest + windowMs;
  return until > nowMs
    ? { staffOnline: true, staffOnlineUntil: new Date(until).toISOString() }
    : { staffOnline: false };
}
