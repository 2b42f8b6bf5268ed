/**
 * A second, minimal SST app on the local stack: a WebSocket echo, an HTTP counter behind the JWT
 * authorizer, and a stream subscriber that pushes each count to every connection. It shares no
 * code with Live Orders; `second-app.integration.test.ts` runs it end to end.
 */
import { defineLocalApp, sstResources } from "../../src/app";

export const counterUser = { email: "dev@example.com", password: "Counter1!" };

export default defineLocalApp({
  name: "counter-app",
  table: {
    fields: { pk: "string", sk: "string" },
    primaryIndex: { hashKey: "pk", rangeKey: "sk" },
    stream: "new-and-old-images",
  },
  webSocket: {
    routes: {
      $connect: { handler: "handlers/connections.connect" },
      $disconnect: { handler: "handlers/connections.disconnect" },
      echo: { handler: "handlers/echo.handler" },
    },
  },
  http: { routes: { "POST /counters/{name}": { handler: "handlers/counter.increment" } } },
  streamSubscriber: {
    handler: "handlers/on-count.handler",
    filters: [{ dynamodb: { NewImage: { pk: { S: [{ prefix: "COUNTER#" }] } } } }],
  },
  users: [counterUser],
  environment: (resources) => ({
    ...sstResources(resources, {
      Table: { name: resources.tableName },
      Socket: { url: resources.wsUrl, managementEndpoint: resources.managementEndpoint },
    }),
    COUNTER_APP_DYNAMODB_ENDPOINT: resources.dynamoEndpoint,
  }),
  seed: ({ runScript }) => runScript("handlers/seed.seedCounters", ["pears"]),
});
