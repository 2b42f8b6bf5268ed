/**
 * Forgetting a connection that has gone (`$disconnect`, or a 410 seen by the fan-out): its
 * connection item and every subscription it holds, in BatchWriteItem requests of 25. Apart from
 * connection.ts so that what a frame needs of a connection (the rate limit) does not pull in the
 * subscriptions.
 */
import { BatchWriteCommand, type BatchWriteCommandInput } from "@aws-sdk/lib-dynamodb";
import { dynamo, table } from "./dynamo";
import { connectionKey, subscriptionKey } from "./keys";
import { RetryPolicy, retryUntilDefined } from "./retry";
import { subscriptionsOfConnection } from "./subscription";

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
