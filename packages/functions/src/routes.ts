/**
 * The route table: every API route, its handler, its authorizer and the resources it links.
 *
 * It is the single source of truth for both deployments:
 *   - `infra/` (sst.config.ts) creates the API Gateway routes, Lambda functions and links from it;
 *   - `packages/local` (the local API Gateway) invokes the same handler modules from it.
 * So local and AWS can never drift. Keep this module pure data: no imports with side effects,
 * because sst.config.ts bundles it.
 *
 * The WebSocket route keys are `ClientAction` plus API Gateway's three `$` routes, checked by
 * type: an action without a route, or a route without an action, fails to compile.
 *
 * A handler reference is SST's format: a path from the repository root, then `.` and the
 * exported function name (`packages/functions/src/ws/connect.handler` → export `handler`
 * of `packages/functions/src/ws/connect.ts`).
 */

import type { ClientAction } from "@live-orders/core/protocol";

/**
 * Names of the linkable resources; `infra/` maps each to its SST component and `Resource.<name>`.
 * (No function links the user pool or its client any more: REST tokens are verified by API
 * Gateway, WebSocket connects by their ticket.)
 */
export const Link = {
  Table: "Table",
  Realtime: "Realtime",
  UserPool: "UserPool",
  WebClient: "WebClient",
} as const;
export type Link = (typeof Link)[keyof typeof Link];

export interface FunctionRoute {
  /** SST handler reference: `path/from/root/file.exportName`. */
  readonly handler: string;
  /** Resources the function may reach (least privilege). */
  readonly link: readonly Link[];
}

export interface WebSocketAuthorizer extends FunctionRoute {
  readonly name: string;
  /** API Gateway identity sources; a missing one is a 401 without invoking the authorizer. */
  readonly identitySources: readonly string[];
}

const ws = (file: string, link: readonly Link[]): FunctionRoute => ({
  handler: `packages/functions/src/ws/${file}.handler`,
  link,
});

/** The WebSocket API. Route selection expression: `$request.body.action`. */
export const webSocketApi = {
  routeSelectionExpression: "$request.body.action",
  /**
   * REQUEST authorizer on `$connect` only. Browsers cannot set headers on a WebSocket, so the
   * credential is a query parameter — a single-use connect ticket (`POST /realtime/tickets`),
   * never a Cognito token, which would outlive the connect in every access log and proxy.
   */
  authorizer: {
    name: "TicketAuthorizer",
    handler: "packages/functions/src/ws/authorize.handler",
    link: [Link.Table],
    identitySources: ["route.request.querystring.ticket"],
  } satisfies WebSocketAuthorizer,
  routes: {
    // Realtime: the per-user connection cap asks `@connections` which old slots are still live.
    $connect: ws("connect", [Link.Table, Link.Realtime]),
    // Realtime: the last staff connection to leave tells the customers (presence-push.ts).
    $disconnect: ws("disconnect", [Link.Table, Link.Realtime]),
    // Table: invalid frames count against the sender's frame limit too.
    $default: ws("default", [Link.Table, Link.Realtime]),
    subscribe: ws("subscribe", [Link.Table, Link.Realtime]),
    unsubscribe: ws("unsubscribe", [Link.Table, Link.Realtime]),
    sendMessage: ws("send-message", [Link.Table, Link.Realtime]),
    ping: ws("ping", [Link.Table, Link.Realtime]),
    // Realtime: both post to the order's other subscribers themselves (nothing goes through the stream).
    typing: ws("typing", [Link.Table, Link.Realtime]),
    markRead: ws("mark-read", [Link.Table, Link.Realtime]),
  } satisfies Record<"$connect" | "$disconnect" | "$default" | ClientAction, FunctionRoute>,
} as const;

export type WebSocketRouteKey = keyof typeof webSocketApi.routes;

const http = (file: string, exportName: string, link: readonly Link[] = [Link.Table]): FunctionRoute => ({
  handler: `packages/functions/src/http/${file}.${exportName}`,
  link,
});

/** The HTTP API (payload format 2.0). Every route sits behind the Cognito JWT authorizer. */
export const httpApi = {
  authorizer: {
    name: "CognitoJwt",
    /** Cognito access tokens carry `client_id` (no `aud`); API Gateway accepts either against the audiences. */
    identitySource: "$request.header.Authorization",
    /**
     * No route requires a scope: the audience check lets a Cognito ID token through (its `aud`
     * is the client id), and the handlers refuse anything whose `token_use` is not `access`
     * with 401, as SPEC §5 says (a gateway scope check would answer 403 instead; AWS-NOTES).
     */
  },
  cors: {
    allowOrigins: ["*"],
    allowMethods: ["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
    allowHeaders: ["authorization", "content-type"],
    maxAge: 600,
  },
  routes: {
    "GET /menu": http("menu", "getMenu", []),
    "POST /orders": http("orders", "create"),
    "GET /orders": http("orders", "list"),
    "GET /orders/{id}": http("orders", "get"),
    "GET /orders/{id}/events": http("orders", "events"),
    "PATCH /orders/{id}/status": http("orders", "updateStatus"),
    "POST /orders/{id}/cancel": http("orders", "cancel"),
    "PATCH /orders/{id}/eta": http("orders", "setEta"),
    "POST /realtime/tickets": http("realtime", "issueTicket"),
    // The one REST route that reaches the WebSocket API: sign-out closes the caller's own
    // connections through `@connections` (events still reach subscribers only via the stream).
    "DELETE /realtime/connections": http("realtime", "closeConnections", [Link.Table, Link.Realtime]),
  } satisfies Record<string, FunctionRoute>,
} as const;

export type HttpRouteKey = keyof typeof httpApi.routes;

/**
 * The DynamoDB stream subscriber: pushes every new order event to the WebSocket subscribers.
 * Only INSERTs of event items matter (`sk` begins with `EVENT#`); the filter keeps every other
 * write (connections, subscriptions, order snapshots, TTL deletions) from invoking it.
 */
export const streamSubscriber = {
  name: "FanOut",
  handler: "packages/functions/src/stream/fan-out.handler",
  link: [Link.Table, Link.Realtime],
  batchSize: 100,
  /**
   * What the event source mapping does with a failing batch (infra/fan-out.ts sets it on AWS;
   * the local stream poller applies the same). Lambda retries a stream batch immediately and
   * holds back the records behind it until it succeeds or one of these bounds is reached; then
   * the range goes to the failure queue, never silently away.
   */
  failureHandling: {
    /**
     * A function error or timeout splits the batch in two and retries each half (splitting does
     * not use up retries), so one poison record, or one that outlasts the timeout with its
     * batch-mates, ends alone in a batch of its own instead of holding back up to 99 others.
     */
    bisectBatchOnFunctionError: true,
    /**
     * Immediate retries absorb a short burst of failures (a 5xx or throttling spell of the
     * `@connections` API, a 403 while credentials rotate) that outlasts the per-post retries.
     */
    maximumRetryAttempts: 10,
    /**
     * A push 15 minutes late is no longer live: by then its subscribers have filled the gap
     * from the table (`pong {seqs}` each heartbeat, `since` on resubscribe). The bound also ends
     * a backlog's wait, well after the IteratorAge alarm (infra/alarms.ts) has fired.
     */
    maximumRecordAgeInSeconds: 15 * 60,
    /**
     * Ten concurrent batches per shard, Lambda's maximum. Lambda keeps the order of records with
     * the same partition key, and every event of an order shares `pk = ORDER#{orderId}`: an
     * order's events still go out in seq order, while a stalled order no longer holds back the
     * other orders of its shard. (The staff feed `orders` never had a cross-order order: each
     * event carries its own order's seq.)
     */
    parallelizationFactor: 10,
  },
  filters: [
    {
      eventName: ["INSERT"],
      dynamodb: { NewImage: { sk: { S: [{ prefix: "EVENT#" }] } } },
    },
  ],
} as const;

/** One Lambda function of the app: what infra/function-sizing.ts and the bundle budgets key it by, and its handler. */
export interface AppFunction {
  /** The route key, `$connect` authorizer's name, or the stream subscriber's name. */
  readonly key: string;
  readonly handler: string;
}

/** Every function of the app, from the tables above: a new route is in it without another edit. */
export function appFunctions(): AppFunction[] {
  return [
    { key: webSocketApi.authorizer.name, handler: webSocketApi.authorizer.handler },
    ...Object.entries(webSocketApi.routes).map(([key, route]) => ({ key, handler: route.handler })),
    ...Object.entries(httpApi.routes).map(([key, route]) => ({ key, handler: route.handler })),
    { key: streamSubscriber.name, handler: streamSubscriber.handler },
  ];
}
