/**
 * `$connect` REQUEST authorizer. Identity source: `route.request.querystring.ticket`, a connect
 * ticket from `POST /realtime/tickets` (core ticket.ts): random, single use, 30 s. A ticket
 * redeemed now → Allow with the identity it was issued to as context (strings; API Gateway
 * hands it to every later event of the connection). An unknown, used or expired ticket → throw
 * "Unauthorized" (401, the upgrade fails, nothing stored).
 *
 * A browser names the page that opens a WebSocket in `Origin`, and nothing stops any web page
 * from opening one to this API: an `Origin` that is not the app's is denied (403) before the
 * ticket is looked at. Clients that are not browsers send no `Origin`, and are judged by their
 * ticket alone.
 */

import { toAuthorizerContext } from "@live-orders/core/authz";
import * as Ticket from "@live-orders/core/ticket";
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { webOrigins } from "../config";
import { AuthorizerUnauthorized } from "../errors";
import { createLogger } from "../logger";
import { createMetrics, MetricName, MetricUnit } from "../metrics";

const logger = createLogger("ws-authorizer");
const metrics = createMetrics();
// A stage deployed without its web origins fails at init, not at its first browser.
const allowedOrigins = webOrigins();

const policy = (effect: "Allow" | "Deny", methodArn: string): APIGatewayAuthorizerResult["policyDocument"] => ({
  Version: "2012-10-17",
  Statement: [{ Action: "execute-api:Invoke", Effect: effect, Resource: methodArn }],
});

/** The `Origin` header, whatever case the client wrote its name in. */
function originOf(event: APIGatewayRequestAuthorizerEvent): string | undefined {
  const headers = event.headers ?? {};
  const name = Object.keys(headers).find((key) => key.toLowerCase() === "origin");
  return name === undefined ? undefined : headers[name];
}

function countDenial(): void {
  metrics.addMetric(MetricName.AuthorizerDenials, MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
}

export async function handler(event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  logger.appendKeys({ requestId: event.requestContext?.requestId, connectionId: event.requestContext?.connectionId });
  try {
    const origin = originOf(event);
    if (origin !== undefined && !allowedOrigins.has(origin)) {
      logger.info("connection refused", { reason: "origin not allowed", origin });
      countDenial();
      return { principalId: "unknown", policyDocument: policy("Deny", event.methodArn) };
    }
    const ticket = event.queryStringParameters?.ticket ?? "";
    const identity = await Ticket.redeem(ticket);
    if (identity === undefined) {
      logger.info("connection refused", { reason: "unknown, used or expired ticket" });
      countDenial();
      throw new AuthorizerUnauthorized();
    }
    logger.info("connection authorized", { userId: identity.userId, role: identity.role });
    return {
      principalId: identity.userId,
      policyDocument: policy("Allow", event.methodArn),
      context: { ...toAuthorizerContext(identity) },
    };
  } catch (error) {
    if (error instanceof AuthorizerUnauthorized) throw error;
    // Storage down: API Gateway answers 500 to anything but "Unauthorized", which is right.
    logger.error("authorizer failed", { error });
    throw error;
  } finally {
    logger.resetKeys();
  }
}
