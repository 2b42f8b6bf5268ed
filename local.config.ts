/**
 * Live Orders on the local stack (`npm start`, the tests, the benchmarks): what `packages/local`
 * needs to know of this app, and nothing it has to know by itself. The counterpart of
 * `sst.config.ts`: the same route tables, table definition and links, from the same modules.
 */
import { roleOfGroups } from "@live-orders/core/authz";
import { tableDefinition } from "@live-orders/core/table-definition";
import { httpApi, Link, streamSubscriber, webSocketApi } from "@live-orders/functions/routes";
import { defineLocalApp, sstResources } from "@live-orders/local/app";
import type { FilterPattern } from "@live-orders/local/streams/filter-pattern";
import { demoUsers } from "@live-orders/local/testing/demo-users";

/**
 * A shorter heartbeat for the app and the handlers' presence window alike (tests of staff
 * presence): `LIVE_ORDERS_HEARTBEAT_SECONDS`; unset, both use core's `heartbeatSeconds`.
 */
const heartbeatSeconds = process.env.LIVE_ORDERS_HEARTBEAT_SECONDS || undefined;

export default defineLocalApp({
  name: "live-orders",
  title: "Live Orders",
  table: tableDefinition,
  webSocket: { routes: webSocketApi.routes, authorizer: webSocketApi.authorizer },
  http: {
    routes: Object.fromEntries(Object.entries(httpApi.routes).map(([key, route]) => [key, { handler: route.handler }])),
    cors: httpApi.cors,
  },
  streamSubscriber: { ...streamSubscriber, filters: streamSubscriber.filters as unknown as readonly FilterPattern[] },
  users: demoUsers,
  // The handlers' SST links, as `Resource.<Link>` reads them on AWS, plus what their config reads
  // (core's DynamoDB endpoint, the web origins).
  environment: (resources) => ({
    ...sstResources(resources, {
      [Link.Table]: { name: resources.tableName },
      [Link.UserPool]: { id: resources.userPoolId },
      [Link.WebClient]: { id: resources.userPoolClientId },
      [Link.Realtime]: { url: resources.wsUrl, managementEndpoint: resources.managementEndpoint },
    }),
    LIVE_ORDERS_DYNAMODB_ENDPOINT: resources.dynamoEndpoint,
    // The `$connect` authorizer admits browsers of the web app's origin only.
    LIVE_ORDERS_WEB_ORIGINS: resources.webOrigins.join(","),
    ...(heartbeatSeconds === undefined ? {} : { LIVE_ORDERS_HEARTBEAT_SECONDS: heartbeatSeconds }),
  }),
  // The demo orders of SPEC §6, written by core with the handlers' links.
  seed: ({ users, runScript }) =>
    runScript(
      "packages/core/src/demo-data.seedDemoData",
      users.map((user) => ({ userId: user.userId, email: user.email, role: roleOfGroups(user.groups) })),
    ),
  web: {
    root: "packages/web",
    environment: (resources) => ({
      VITE_API_URL: resources.httpUrl,
      VITE_WS_URL: resources.wsUrl,
      VITE_USER_POOL_ID: resources.userPoolId,
      VITE_USER_POOL_CLIENT_ID: resources.userPoolClientId,
      VITE_REGION: resources.region,
      VITE_COGNITO_ENDPOINT: resources.cognitoEndpoint,
      ...(heartbeatSeconds === undefined ? {} : { VITE_HEARTBEAT_SECONDS: heartbeatSeconds }),
    }),
  },
  bundledScopes: ["@live-orders/"],
  // The heartbeat: a line a minute per open tab would bury everything else (`--verbose` shows it).
  quietReports: (report) => report.trigger === "ping" && report.status.kind === "ok",
});
