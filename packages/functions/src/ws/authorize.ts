/**
 * `$connect` REQUEST authorizer. Identity source: `route.request.querystring.token` (browsers
 * cannot set headers on a WebSocket). A valid Cognito access token → Allow with the identity as
 * context (strings; API Gateway hands it to every later event of the connection); anything
 * else → throw "Unauthorized" (API Gateway answers 401 and the upgrade fails, nothing stored).
 */

import { identityFromClaims, toAuthorizerContext } from "@live-orders/core/authz";
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { localCognitoIssuer } from "../config";
import { AuthorizerUnauthorized } from "../errors";
import { createLogger } from "../logger";
import { createMetrics, MetricName, MetricUnit } from "../metrics";
import { createTokenVerifier, type TokenVerifier } from "../token-verifier";

const logger = createLogger("ws-authorizer");
const metrics = createMetrics();
// Refuse to start with a local issuer on a non-loopback host (throws at init, before any request).
localCognitoIssuer();
let verifier: TokenVerifier | undefined;

export async function handler(event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  logger.appendKeys({ requestId: event.requestContext?.requestId, connectionId: event.requestContext?.connectionId });
  try {
    const token = event.queryStringParameters?.token;
    if (token === undefined || token === "") throw new Error("no token");
    verifier ??= createTokenVerifier();
    const identity = identityFromClaims(await verifier.verify(token));
    if (identity === undefined) throw new Error("token has no sub");
    logger.info("connection authorized", { userId: identity.userId, role: identity.role });
    return {
      principalId: identity.userId,
      policyDocument: {
        Version: "2012-10-17",
        Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: event.methodArn }],
      },
      context: { ...toAuthorizerContext(identity) },
    };
  } catch (error) {
    logger.info("connection refused", { reason: error instanceof Error ? error.message : String(error) });
    metrics.addMetric(MetricName.AuthorizerDenials, MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
    throw new AuthorizerUnauthorized();
  } finally {
    logger.resetKeys();
  }
}
