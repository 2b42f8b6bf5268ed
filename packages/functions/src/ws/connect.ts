/**
 * `$connect`: runs after the authorizer allowed the upgrade. Takes one of the user's connection
 * slots and registers the connection (with a TTL past the 2-hour limit); a staff connection also
 * counts for staff presence (presence-push.ts). A non-2xx answer makes
 * API Gateway fail the handshake with that status: 429 when the user already holds the most
 * live connections they may.
 */

import * as Connection from "@live-orders/core/connection";
import { toHttpResponse } from "@live-orders/core/errors";
import { staffConnected } from "@live-orders/core/presence-push";
import type { APIGatewayProxyResultV2 } from "aws-lambda";
import { connectionsClient } from "../connections";
import { createLogger } from "../logger";
import { createMetrics, MetricName, MetricUnit } from "../metrics";
import { identityOf, logKeysOf, ok, type WebSocketEvent } from "./events";

const logger = createLogger("ws-connect");
const metrics = createMetrics();

export async function handler(event: WebSocketEvent): Promise<APIGatewayProxyResultV2> {
  logger.appendKeys(logKeysOf(event));
  try {
    const identity = identityOf(event);
    if (identity === undefined) {
      // Only reachable if the route were deployed without the authorizer.
      logger.error("connect without authorizer context");
      return { statusCode: 401 };
    }
    const { connectionId, connectedAt } = event.requestContext;
    await Connection.register(connectionId, identity, connectedAt, connectionsClient());
    if (identity.role === "staff") await staffConnected(connectionId, connectedAt, connectionsClient());
    logger.info("connected", { userId: identity.userId, role: identity.role });
    metrics.addMetric(MetricName.Connects, MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
    return ok;
  } catch (error) {
    const response = toHttpResponse(error);
    if (response.statusCode >= 500) logger.error("connect failed", { error });
    else logger.info("connect refused", { statusCode: response.statusCode, body: response.body });
    return response;
  } finally {
    logger.resetKeys();
  }
}
