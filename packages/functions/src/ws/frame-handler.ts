/**
 * The handler of a named WebSocket route: hand the frame to its core action and log the
 * outcome. Always answers 200: a refused frame was already answered on the connection with an
 * error frame; throwing would make API Gateway send its own unstructured "Internal server error".
 */

import type { FrameContext, FrameOutcome } from "@live-orders/core/actions/frame";
import type { ConnectionsApi } from "@live-orders/core/connections-api";
import type { ClientAction } from "@live-orders/core/protocol";
import type { APIGatewayProxyResultV2 } from "aws-lambda";
import { connectionsClient } from "../connections";
import { createLogger } from "../logger";
import { bodyOf, identityOf, logKeysOf, ok, type WebSocketEvent } from "./events";

export function frameHandler(
  action: ClientAction,
  handle: (ctx: FrameContext, connections: ConnectionsApi) => Promise<FrameOutcome>,
) {
  const logger = createLogger(`ws-${action}`);
  return async function handler(event: WebSocketEvent): Promise<APIGatewayProxyResultV2> {
    logger.appendKeys(logKeysOf(event));
    try {
      const outcome = await handle(
        {
          connectionId: event.requestContext.connectionId,
          connectedAt: event.requestContext.connectedAt,
          identity: identityOf(event),
          body: bodyOf(event),
        },
        connectionsClient(),
      );
      if (outcome.error?.code === "INTERNAL") {
        logger.error("frame failed", { error: outcome.error.cause ?? outcome.error });
      } else if (outcome.error !== undefined) {
        logger.info("frame refused", { code: outcome.error.code, reason: outcome.error.message });
      } else {
        logger.debug("frame handled", { gone: outcome.gone ?? false });
      }
    } catch (error) {
      // Only the error reply itself can get here (e.g. the management API is unreachable).
      logger.error("could not reply to frame", { error });
    } finally {
      logger.resetKeys();
    }
    return ok;
  };
}
