/**
 * WebSocket connections: registered on `$connect`, removed on `$disconnect` or when a post
 * returns 410 Gone (connection-cleanup.ts, with its subscriptions). Item: pk CONN#{connectionId},
 * sk CONN, TTL `expiresAt` past the 2-hour connection limit (a missed `$disconnect` leaves no
 * ghost for long).
 *
 * A user holds at most `maxConnectionsPerUser()` live connections (SPEC §4): each connection
 * takes a slot in its user's item (keys.ts, `userConnections`) with one conditional write. A
 * missed `$disconnect` cannot lock a user out, because "live" is decided by API Gateway, not by
 * that item: when every slot is taken, the slots are checked before the connect is refused —
 * a slot older than API Gateway's 2-hour limit is free, and so is one whose connection
 * `GET @connections` answers Gone (410). Slots younger than `slotGraceMs` are not asked
 * about: API Gateway knows a connection only once its `$connect` has returned.
 */

import type { Identity } from "./authz";
import { connectionTtlSeconds, maxConnectionsPerUser } from "./config";
import type { ConnectionLookup } from "./connections-api";
import { dynamo, GetCommand, PutCommand, table, UpdateCommand } from "./dynamo";
import { isErrorNamed, RateLimitedError } from "./errors";
import { connectionKey, userConnectionsKey } from "./keys";

export interface ConnectionRecord {
  pk: string;
  sk: string;
  entity: "connection";
  connectionId: string;
  userId: string;
  role: Identity["role"];
  username?: string;
  connectedAt: number;
  expiresAt: number;
}

/** TTL of items that live as long as a connection: API Gateway's 2 h limit plus a margin. */
export function connectionExpiresAt(connectedAtMs: number): number {
  return Math.floor(connectedAtMs / 1000) + connectionTtlSeconds;
}

/** API Gateway closes every WebSocket connection after 2 hours. */
const maxConnectionMs = 2 * 60 * 60 * 1000;
/** Longer than a `$connect` may take (API Gateway's integration timeout is 29 s). */
export const slotGraceMs = 30_000;

/**
 * `$connect`: takes one of the user's connection slots (429 RATE_LIMITED when all are live),
 * then stores the connection.
 */
export async function register(
  connectionId: string,
  identity: Identity,
  connectedAt: number,
  connections: ConnectionLookup,
): Promise<void> {
  await claimSlot(identity.userId, connectionId, connectedAt, connections);
  const item: ConnectionRecord = {
    ...connectionKey(connectionId),
    entity: "connection",
    connectionId,
    userId: identity.userId,
    role: identity.role,
    ...(identity.username === undefined ? {} : { username: identity.username }),
    connectedAt,
    expiresAt: connectionExpiresAt(connectedAt),
  };
  await dynamo().send(new PutCommand({ TableName: table(), Item: item }));
}

/** The user's slots as stored: connection id → connectedAt (ms). */
async function readSlots(userId: string): Promise<Record<string, number> | undefined> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: table(), Key: userConnectionsKey(userId), ConsistentRead: true }),
  );
  return Item?.live as Record<string, number> | undefined;
}

/** The ids of the connections the user holds (as far as `$connect` and `$disconnect` told us). */
export async function connectionsOfUser(userId: string): Promise<string[]> {
  return Object.keys((await readSlots(userId)) ?? {});
}

async function claimSlot(
  userId: string,
  connectionId: string,
  connectedAt: number,
  connections: ConnectionLookup,
): Promise<void> {
  const max = maxConnectionsPerUser();
  // The item outlives every slot it holds: the newest is this one, connected about now.
  const expiresAt = connectionExpiresAt(Math.max(connectedAt, Date.now()));
  // A few rounds: a claim that found the item missing creates it, one that raced a concurrent
  // connect or disconnect claims again, one that found every slot taken frees what is stale.
  for (let round = 0; round < 3; round++) {
    try {
      await dynamo().send(
        new UpdateCommand({
          TableName: table(),
          Key: userConnectionsKey(userId),
          UpdateExpression: "SET live.#connection = :connectedAt, expiresAt = :expiresAt",
          ConditionExpression: "attribute_exists(live) AND size(live) < :max",
          ExpressionAttributeNames: { "#connection": connectionId },
          ExpressionAttributeValues: { ":connectedAt": connectedAt, ":expiresAt": expiresAt, ":max": max },
        }),
      );
      return;
    } catch (error) {
      if (!isErrorNamed(error, "ConditionalCheckFailedException")) throw error;
    }
    const slots = await readSlots(userId);
    if (slots === undefined) {
      if (await createSlots(userId, { [connectionId]: connectedAt }, expiresAt)) return;
      continue;
    }
    // Not full after all: the item appeared, or a slot was freed, since the claim was refused.
    if (Object.keys(slots).length < max) continue;
    const stale = await staleSlots(slots, Date.now(), connections);
    if (stale.length === 0) break;
    await releaseSlots(userId, stale);
  }
  throw new RateLimitedError(`at most ${max} connections at once: close one (another tab or device) first`);
}

/** The user's first slot: creates the item, unless a concurrent connect just did (false). */
async function createSlots(userId: string, live: Record<string, number>, expiresAt: number): Promise<boolean> {
  try {
    await dynamo().send(
      new PutCommand({
        TableName: table(),
        Item: { ...userConnectionsKey(userId), entity: "userConnections", userId, live, expiresAt },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
    return true;
  } catch (error) {
    if (isErrorNamed(error, "ConditionalCheckFailedException")) return false;
    throw error;
  }
}

/** Slots whose connection API Gateway no longer holds: past its 2-hour limit, or Gone. */
export async function staleSlots(
  slots: Record<string, number>,
  nowMs: number,
  connections: ConnectionLookup,
): Promise<string[]> {
  const verdicts = await Promise.all(
    Object.entries(slots).map(async ([connectionId, connectedAt]) => {
      if (nowMs - connectedAt > maxConnectionMs) return connectionId;
      if (nowMs - connectedAt < slotGraceMs) return undefined;
      try {
        await connections.getConnection(connectionId);
        return undefined;
      } catch (error) {
        // Anything but Gone (throttling, a network error) keeps the slot: refusing one connect
        // is better than letting a user past the cap.
        return isErrorNamed(error, "GoneException") ? connectionId : undefined;
      }
    }),
  );
  return verdicts.filter((id): id is string => id !== undefined);
}

/** Frees the slots of connections that have closed. Idempotent. */
export async function releaseSlots(userId: string, connectionIds: readonly string[]): Promise<void> {
  if (connectionIds.length === 0) return;
  const names = Object.fromEntries(connectionIds.map((id, i) => [`#c${i}`, id]));
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: table(),
        Key: userConnectionsKey(userId),
        UpdateExpression: `REMOVE ${connectionIds.map((_, i) => `live.#c${i}`).join(", ")}`,
        ConditionExpression: "attribute_exists(live)",
        ExpressionAttributeNames: names,
      }),
    );
  } catch (error) {
    if (!isErrorNamed(error, "ConditionalCheckFailedException")) throw error;
  }
}
