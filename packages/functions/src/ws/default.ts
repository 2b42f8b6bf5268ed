/**
 * `$default` route: API Gateway sends here every message that is not JSON or whose `action`
 * names no route. The answer is always an error frame (BAD_REQUEST or UNKNOWN_ACTION, or
 * RATE_LIMITED: these frames count against the sender's limit); nothing is written but the count.
 */

import { handleDefault } from "@live-orders/core/actions/default-route";
import type { APIGatewayProxyResultV2 } from "aws-lambda";
import { connectionsClient } from "../connections";
import { createLogger } from "../logger";
import { bodyOf, identityOf, logKeysOf, ok, type WebSocketEvent } from "./events";

const logger = createLogger("ws-default");

export async function handler(event: WebSocketEvent): Promise<APIGatewayProxyResultV2> {
  logger.appendKeys(logKeysOf(event));
  try {
    const outcome = await handleDefault(
      { connectionId: event.requestContext.connectionId, identity: identityOf(event), body: bodyOf(event) },
      connectionsClient(),
    );
    logger.info("frame refused", { code: outcome.error?.code, reason: outcome.error?.message });
  } catch (error) {
    logger.error("could not reply to frame", { error });
  } finally {
    logger.resetKeys();
  }
  return ok;
}
