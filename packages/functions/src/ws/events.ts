/** Reading API Gateway WebSocket events: the parts every `ws/*` handler needs. */

import { type Identity, identityFromAuthorizerContext } from "@live-orders/core/authz";
import type { APIGatewayProxyWebsocketEventV2 } from "aws-lambda";

/** `requestContext.authorizer` is not in @types/aws-lambda's WebSocket event; API Gateway sends it. */
export type WebSocketEvent = APIGatewayProxyWebsocketEventV2 & {
  requestContext: APIGatewayProxyWebsocketEventV2["requestContext"] & {
    authorizer?: Record<string, unknown>;
  };
};

export function identityOf(event: WebSocketEvent): Identity | undefined {
  return identityFromAuthorizerContext(event.requestContext.authorizer);
}

/** The raw message body (WebSocket text frames arrive as is; binary ones base64-encoded). */
export function bodyOf(event: WebSocketEvent): string | undefined {
  if (event.body === undefined || event.body === null) return undefined;
  return event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
}

export function logKeysOf(event: WebSocketEvent): Record<string, unknown> {
  return {
    connectionId: event.requestContext.connectionId,
    requestId: event.requestContext.requestId,
    routeKey: event.requestContext.routeKey,
  };
}

/** WebSocket route integrations answer with a status; the client only sees what we post. */
export const ok = { statusCode: 200 } as const;
