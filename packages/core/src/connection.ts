/**
 * WebSocket connections: registered on `$connect`, removed on `$disconnect` or when a post
 * returns 410 Gone. Item: pk CONN#{connectionId}, sk CONN, TTL `expiresAt` past the 2-hour
 * connection limit (a missed `$disconnect` leaves no ghost for long).
 *
 * The item also holds the connection's rate-limit window (see `consumeFrame`).
 */
import { BatchWriteCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Identity } from "./authz";
import { rateLimit } from "./config";
import { dynamo, isErrorNamed, table } from "./dynamo";
import { RateLimitedError } from "./errors";
import { connectionKey, subscriptionKey } from "./keys";
import { connectionExpiresAt, topicsOfConnection } from "./subscription";

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
  rateWindow?: number;
  rateCount?: number;
}

export async function register(connectionId: string, identity: Identity, connectedAt: number): Promise<void> {
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

/**
 * Delete a connection and its subscriptions (`$disconnect`, or a 410 seen by the fan-out).
 * Idempotent. Returns how many subscriptions were removed.
 */
export async function remove(connectionId: string): Promise<number> {
  const topics = await topicsOfConnection(connectionId);
  const keys = [connectionKey(connectionId), ...topics.map((topic) => subscriptionKey(topic, connectionId))];
  for (let i = 0; i < keys.length; i += 25) {
    let requests: NonNullable<ConstructorParameters<typeof BatchWriteCommand>[0]["RequestItems"]>[string] = keys
      .slice(i, i + 25)
      .map((key) => ({ DeleteRequest: { Key: key } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
      if (attempt >= 8) throw new Error(`could not delete the items of connection ${connectionId}`);
      const result = await dynamo().send(new BatchWriteCommand({ RequestItems: { [table()]: requests } }));
      requests = result.UnprocessedItems?.[table()] ?? [];
    }
  }
  return topics.length;
}

/**
 * Per-connection rate limit: a fixed window counter on the connection item, advanced with
 * conditional updates (no read first). Normally one write per frame:
 *   1. `rateCount + 1` if the window is the current one and below the limit;
 *   2. else, if the stored window is older (or none), start the current window at 1;
 *   3. else the window is current and full → RATE_LIMITED.
 * The window number is `floor(now / windowSeconds)`, so every Lambda instance agrees on it.
 */
export async function consumeFrame(connectionId: string, connectedAt: number, nowMs = Date.now()): Promise<void> {
  const { windowSeconds, maxFramesPerWindow } = rateLimit();
  const window = Math.floor(nowMs / 1000 / windowSeconds);
  // Two rounds: when two frames open a new window at once, the loser of step 2 finds the window
  // current and counts itself in step 1 of the next round instead of being refused.
  for (let round = 0; round < 2; round++) {
    try {
      await dynamo().send(
        new UpdateCommand({
          TableName: table(),
          Key: connectionKey(connectionId),
          UpdateExpression: "SET rateCount = rateCount + :one",
          ConditionExpression: "rateWindow = :window AND rateCount < :max",
          ExpressionAttributeValues: { ":one": 1, ":window": window, ":max": maxFramesPerWindow },
        }),
      );
      return;
    } catch (error) {
      if (!isErrorNamed(error, "ConditionalCheckFailedException")) throw error;
    }
    try {
      await dynamo().send(
        new UpdateCommand({
          TableName: table(),
          Key: connectionKey(connectionId),
          // if_not_exists: a connection whose item is missing (lost $connect write, or TTL'd
          // early) still gets a bounded item rather than an immortal one.
          UpdateExpression:
            "SET rateWindow = :window, rateCount = :one, expiresAt = if_not_exists(expiresAt, :expiresAt)",
          ConditionExpression: "attribute_not_exists(rateWindow) OR rateWindow < :window",
          ExpressionAttributeValues: { ":one": 1, ":window": window, ":expiresAt": connectionExpiresAt(connectedAt) },
        }),
      );
      return;
    } catch (error) {
      if (!isErrorNamed(error, "ConditionalCheckFailedException")) throw error;
    }
  }
  throw new RateLimitedError(`more than ${maxFramesPerWindow} frames in ${windowSeconds} s; slow down`);
}
