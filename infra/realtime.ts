import { type WebSocketRouteKey, webSocketApi } from "@live-orders/functions/routes";
import { userPool, webClient } from "./auth";
import { type LinkTargets, lambdaFor } from "./function";
import { authorizerSizing, webSocketSizing } from "./function-sizing";
import { table } from "./table";

/** The WebSocket API; SST fixes its route selection expression to `$request.body.action`. */
export const realtime = new sst.aws.ApiGatewayWebSocket("Realtime");

const targets: LinkTargets = {
  Table: table,
  Realtime: realtime,
  UserPool: userPool,
  WebClient: webClient,
};

const { authorizer } = webSocketApi;

/**
 * A Lambda REQUEST authorizer reading the token from the query string: browsers cannot set
 * headers on a WebSocket upgrade. API Gateway refuses a connection without `token` (401)
 * before invoking it.
 */
export const tokenAuthorizer = realtime.addAuthorizer(authorizer.name, {
  lambda: {
    function: lambdaFor(authorizer, targets, authorizerSizing),
    identitySources: [...authorizer.identitySources],
  },
});

for (const [routeKey, route] of Object.entries(webSocketApi.routes)) {
  realtime.route(routeKey, lambdaFor(route, targets, webSocketSizing[routeKey as WebSocketRouteKey]), {
    // API Gateway evaluates authorization on `$connect` only; later frames ride on that decision.
    auth: routeKey === "$connect" ? { lambda: tokenAuthorizer.id } : undefined,
    // Readable, stable resource names (RealtimeRouteSendMessage…) instead of SST's hash suffix.
    name: routeKey,
  });
}
