/**
 * HTTP API (payload 2.0) plumbing for the REST handlers: the caller's identity from the JWT
 * authorizer's claims, the body, JSON replies, and the one error mapping (core's
 * `toHttpResponse`). No storage calls here.
 */

import { type Identity, identityFromClaims } from "@live-orders/core/authz";
import { toHttpResponse, UnauthorizedError } from "@live-orders/core/errors";
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { createLogger } from "../logger";

export type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type HttpResult = APIGatewayProxyStructuredResultV2;

const logger = createLogger("http-orders");

export function json(statusCode: number, body: unknown): HttpResult {
  return { statusCode, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

export function bodyOf(event: HttpEvent): string | undefined {
  if (event.body === undefined) return undefined;
  return event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
}

export interface Request {
  event: HttpEvent;
  identity: Identity;
}

/** Wrap a route: an access token's identity required (the gateway's JWT authorizer verified the token). */
export function route(name: string, run: (request: Request) => Promise<HttpResult>) {
  return async function handler(event: HttpEvent, context?: Context): Promise<HttpResult> {
    logger.appendKeys({ route: name, requestId: event.requestContext?.requestId ?? context?.awsRequestId });
    try {
      const claims = event.requestContext?.authorizer?.jwt?.claims;
      // The JWT authorizer's audience check lets Cognito ID tokens through: refused here (SPEC §5).
      if (claims?.token_use !== "access") throw new UnauthorizedError("an access token is required");
      const identity = identityFromClaims(claims);
      if (identity === undefined) throw new UnauthorizedError("missing or invalid token");
      const result = await run({ event, identity });
      logger.info("request handled", { statusCode: result.statusCode, userId: identity.userId });
      return result;
    } catch (error) {
      const response = toHttpResponse(error);
      if (response.statusCode >= 500) logger.error("request failed", { error });
      else logger.info("request refused", { statusCode: response.statusCode, body: response.body });
      return response;
    } finally {
      logger.resetKeys();
    }
  };
}
