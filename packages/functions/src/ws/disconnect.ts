/**
 * `$disconnect`: best effort (API Gateway may never send it), so TTL and the fan-out's 410
 * handling clean up too, and the connection cap asks API Gateway before trusting a slot.
 * Removes the connection, its subscriptions and its user's slot.
 */

import { forgetConnection } from "@live-orders/core/connection-cleanup";
import type { APIGatewayProxyResultV2 } from "aws-lambda";
import { createLogger } from "../logger";
import { identityOf, logKeysOf, ok, type WebSocketEvent } from "./events";

const logger = createLogger("ws-disconnect");

export async function handler(event: WebSocketEvent): Promise<APIGatewayProxyResultV2> {
  logger.appendKeys(logKeysOf(event));
  try {
    const subscriptions = await forgetConnection(event.requestContext.connectionId, identityOf(event)?.userId);
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
