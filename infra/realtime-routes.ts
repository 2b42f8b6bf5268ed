import { type WebSocketRouteKey, webSocketApi } from "@live-orders/functions/routes";
import { userPool, webClient } from "./auth";
import { type LinkTargets, lambdaFor } from "./function";
import { authorizerSizing, webSocketSizing } from "./function-sizing";
import { realtime } from "./realtime";
import { table } from "./table";
import { web } from "./web";

const targets: LinkTargets = {
  Table: table,
  Realtime: realtime,
  UserPool: userPool,
  WebClient: webClient,
};

const { authorizer } = webSocketApi;

/**
 * Where the web app is served from: its CloudFront URL's origin, and under `sst dev` the Vite
 * dev server's too (SST runs `npm run dev` on the developer's machine). The `$connect`
 * authorizer refuses a browser showing any other `Origin` (packages/functions/src/ws/authorize.ts).
 */
export const webOrigins = web.url.apply((url) =>
  [new URL(url).origin, ...($dev ? ["http://localhost:5173", "http://127.0.0.1:5173"] : [])].join(","),
);

/**
 * A Lambda REQUEST authorizer reading the connect ticket from the query string: browsers cannot
 * set headers on a WebSocket upgrade. API Gateway refuses a connection without `ticket` (401)
 * before invoking it.
 */
export const ticketAuthorizer = realtime.addAuthorizer(authorizer.name, {
  lambda: {
    function: lambdaFor(authorizer, targets, authorizerSizing, {
      environment: { LIVE_ORDERS_WEB_ORIGINS: webOrigins },
    }),
    identitySources: [...authorizer.identitySources],
  },
});

for (const [routeKey, route] of Object.entries(webSocketApi.routes)) {
  realtime.route(routeKey, lambdaFor(route, targets, webSocketSizing[routeKey as WebSocketRouteKey]), {
    // API Gateway evaluates authorization on `$connect` only; later frames ride on that decision.
    auth: routeKey === "$connect" ? { lambda: ticketAuthorizer.id } : undefined,
    // Readable, stable resource names (RealtimeRouteSendMessage…) instead of SST's hash suffix.
    name: routeKey,
  });
}
