/**
 * `$disconnect`: best effort (API Gateway may never send it), so TTL and the fan-out's 410
 * handling clean up too, and the connection cap asks API Gateway before trusting a slot.
 * Removes the connection, its subscriptions and its user's slot; the last staff connection to
 * leave tells the customers watching orders that staff went offline.
 */

import { forgetConnection } from "@live-orders/core/connection-cleanup";
import { staffDisconnected } from "@live-orders/core/presence-push";
import type { APIGatewayProxyResultV2 } from "aws-lambda";
import { connectionsClient } from "../connections";
import { createLogger } from "../logger";
import { identityOf, logKeysOf, ok, type WebSocketEvent } from "./events";

const logger = createLogger("ws-disconnect");

export async function handler(event: WebSocketEvent): Promise<APIGatewayProxyResultV2> {
  logger.appendKeys(logKeysOf(event));
  try {
    const identity = identityOf(event);
    const { connectionId } = event.requestContext;
    const [subscriptions] = await Promise.all([
      forgetConnection(connectionId, identity?.userId),
      identity?.role === "staff" ? staffDisconnected(connectionId, connectionsClient()) : undefined,
    ]);
    const context = event.requestContext as { disconnectStatusCode?: number; disconnectReason?: string };
    logger.info("disconnected", {
      subscriptions,
      disconnectStatusCode: context.disconnectStatusCode,
      disconnectReason: context.disconnectReason,
    });
  } catch (error) {
    logger.error("disconnect cleanup failed", { error });
  } finally {
    logger.resetKeys();
  }
  return ok;
}
