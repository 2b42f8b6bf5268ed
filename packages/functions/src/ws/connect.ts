/**
 * `$connect`: runs after the authorizer allowed the upgrade. Registers the connection (with a TTL
 * past the 2-hour limit). A non-2xx answer makes API Gateway fail the handshake.
 */

import * as Connection from "@live-orders/core/connection";
import type { APIGatewayProxyResultV2 } from "aws-lambda";
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
    await Connection.register(event.requestContext.connectionId, identity, event.requestContext.connectedAt);
    logger.info("connected", { userId: identity.userId, role: identity.role });
    metrics.addMetric(MetricName.Connects, MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
    return ok;
  } catch (error) {
    logger.error("connect failed", { error });
    return { statusCode: 500 };
  } finally {
    logger.resetKeys();
  }
}
