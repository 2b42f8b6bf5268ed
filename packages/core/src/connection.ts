/**
 * WebSocket connections: registered on `$connect`, removed on `$disconnect` or when a post
 * returns 410 Gone (connection-cleanup.ts, with its subscriptions). Item: pk CONN#{connectionId},
 * sk CONN, TTL `expiresAt` past the 2-hour connection limit (a missed `$disconnect` leaves no
 * ghost for long).
 *
 * The item also holds the connection's rate-limit window (see `consumeFrame`).
 */
import { PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Identity } from "./authz";
import { connectionTtlSeconds, rateLimit } from "./config";
import { dynamo, table } from "./dynamo";
import { isErrorNamed, RateLimitedError } from "./errors";
import { connectionKey } from "./keys";

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

/** TTL of items that live as long as a connection: API Gateway's 2 h limit plus a margin. */
export function connectionExpiresAt(connectedAtMs: number): number {
  return Math.floor(connectedAtMs / 1000) + connectionTtlSeconds;
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
