/**
 * Forgetting a connection that has gone (`$disconnect`, or a 410 seen by the fan-out): its
 * connection item and every subscription it holds, in BatchWriteItem requests of 25, and its
 * user's slot; and closing a user's own connections when they sign out. Apart from
 * connection.ts so that what `$connect` needs does not pull in the subscriptions.
 */

import { connectionsOfUser, releaseSlots } from "./connection";
import type { ConnectionsApi } from "./connections-api";
import { BatchWriteCommand, type BatchWriteCommandInput, dynamo, table } from "./dynamo";
import { isErrorNamed } from "./errors";
import { connectionKey, subscriptionKey } from "./keys";
import { RetryPolicy, retryUntilDefined } from "./retry";
import { subscriptionsOfConnection } from "./subscription";

/**
 * `$disconnect`: the connection's items, and the slot it held among its user's connections
 * (`userId` from the authorizer context). Returns how many subscriptions were removed.
 */
export async function forgetConnection(connectionId: string, userId: string | undefined): Promise<number> {
  const [subscriptions] = await Promise.all([
    removeConnection(connectionId),
    userId === undefined ? undefined : releaseSlots(userId, [connectionId]),
  ]);
  return subscriptions;
}

/**
 * Sign-out: closes every connection the user holds (`DELETE @connections/{id}`; API Gateway
 * then runs `$disconnect` for each, which forgets it) and frees their slots. A connection that
 * had already gone counts as closed. Returns how many were open.
 */
export async function closeConnectionsOfUser(userId: string, connections: ConnectionsApi): Promise<number> {
  const ids = await connectionsOfUser(userId);
  const closed = await Promise.all(
    ids.map(async (connectionId) => {
      try {
        await connections.delete(connectionId);
        return true;
      } catch (error) {
        if (isErrorNamed(error, "GoneException")) return false;
        throw error;
      }
    }),
  );
  await releaseSlots(userId, ids);
  return closed.filter(Boolean).length;
}

type WriteRequests = NonNullable<BatchWriteCommandInput["RequestItems"]>[string];

/** Delete a connection and its subscriptions. Idempotent. Returns how many subscriptions were removed. */
export async function removeConnection(connectionId: string): Promise<number> {
  const topics = await subscriptionsOfConnection(connectionId);
  const keys = [connectionKey(connectionId), ...topics.map((topic) => subscriptionKey(topic, connectionId))];
  for (let i = 0; i < keys.length; i += 25) {
    let requests: WriteRequests = keys.slice(i, i + 25).map((key) => ({ DeleteRequest: { Key: key } }));
    await retryUntilDefined(
      async () => {
        const result = await dynamo().send(new BatchWriteCommand({ RequestItems: { [table()]: requests } }));
        requests = result.UnprocessedItems?.[table()] ?? [];
        return requests.length === 0 ? true : undefined;
      },
      {
        policy: RetryPolicy.unprocessedItems,
        exhausted: () => new Error(`could not delete the items of connection ${connectionId}`),
      },
    );
  }
  return topics.length;
}
