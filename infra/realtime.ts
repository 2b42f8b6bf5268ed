import { streamSubscriber, webSocketApi } from "@live-orders/functions/routes";
import { userPool, webClient } from "./auth";
import { lambdaFor, type LinkTargets } from "./function";
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
    function: lambdaFor(authorizer, targets),
    identitySources: [...authorizer.identitySources],
  },
});

for (const [routeKey, route] of Object.entries(webSocketApi.routes)) {
  realtime.route(routeKey, lambdaFor(route, targets), {
    // API Gateway evaluates authorization on `$connect` only; later frames ride on that decision.
    auth: routeKey === "$connect" ? { lambda: tokenAuthorizer.id } : undefined,
    // Readable, stable resource names (RealtimeRouteSendMessage…) instead of SST's hash suffix.
    name: routeKey,
  });
}

/**
 * The fan-out: the table's stream, filtered to new order events, pushed to WebSocket
 * subscribers. Partial batch responses let one failed record be retried without
 * re-delivering the whole batch. Retries are bounded: by default Lambda retries a stream
 * record until it expires (24 h), holding back every later event of its shard; after the
 * bound, the record is skipped and clients see a `seq` gap, which they fill with `since`.
 */
export const fanOut = table.subscribe(streamSubscriber.name, lambdaFor(streamSubscriber, targets), {
  filters: streamSubscriber.filters.map((filter) => structuredClone(filter) as Record<string, unknown>),
  transform: {
    eventSourceMapping: {
      batchSize: streamSubscriber.batchSize,
      functionResponseTypes: ["ReportBatchItemFailures"],
      maximumRetryAttempts: 10,
    },
  },
});
