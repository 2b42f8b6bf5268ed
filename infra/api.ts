import { type HttpRouteKey, httpApi } from "@live-orders/functions/routes";
import { issuer, userPool, webClient } from "./auth";
import { type LinkTargets, lambdaFor } from "./function";
import { httpSizing } from "./function-sizing";
import { realtime } from "./realtime";
import { table } from "./table";

const { cors } = httpApi;

/** The REST API (HTTP API, payload 2.0). API Gateway answers CORS preflights itself. */
export const api = new sst.aws.ApiGatewayV2("Api", {
  cors: {
    allowOrigins: [...cors.allowOrigins],
    allowMethods: [...cors.allowMethods],
    allowHeaders: [...cors.allowHeaders],
    maxAge: `${cors.maxAge} seconds`,
  },
});

/**
 * Cognito access tokens carry `client_id`, not `aud`; API Gateway matches either against the
 * audiences, so the web client id is the audience.
 */
export const jwtAuthorizer = api.addAuthorizer({
  name: httpApi.authorizer.name,
  jwt: {
    issuer,
    audiences: [webClient.id],
    identitySource: httpApi.authorizer.identitySource,
  },
});

const targets: LinkTargets = {
  Table: table,
  Realtime: realtime,
  UserPool: userPool,
  WebClient: webClient,
};

const routeNames = new Set<string>();
for (const [routeKey, route] of Object.entries(httpApi.routes)) {
  const name = route.handler.slice(route.handler.lastIndexOf(".") + 1);
  if (routeNames.has(name)) throw new Error(`two HTTP routes are named "${name}": rename one handler's export`);
  routeNames.add(name);
  api.route(routeKey, lambdaFor(route, targets, httpSizing[routeKey as HttpRouteKey]), {
    // No scope: an ID token passes the audience check and its handler answers 401 (routes.ts).
    auth: { jwt: { authorizer: jwtAuthorizer.id } },
    // Named after the handler's export (ApiRouteUpdateStatus…) instead of SST's hash suffix:
    // exports are unique across http/ for this (a duplicate name would stall the deploy).
    name,
  });
}
