/**
 * The resource graph of sst.config.ts, evaluated offline under Pulumi mocks (see graph.ts).
 *
 * Two kinds of expectation:
 *   - what SPEC.md §2/§5 names is written here literally (identity source, table keys, TTL,
 *     stream, runtime, VITE_* names, the minimum route set), so a change anywhere — infra/ or
 *     the shared tables — turns this red;
 *   - what the route table owns (handlers, links, filters) is read from routes.ts, so the test
 *     proves infra/ deploys exactly that table: the same one the local API Gateway serves.
 */
import { tableDefinition } from "@live-orders/core/table-definition";
import { httpApi, Link, streamSubscriber, webSocketApi } from "@live-orders/functions/routes";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluateGraph } from "./graph";
import { GraphQuery } from "./graph-query";
import type { ResourceRecord } from "./graph-types";
import { MOCK_ACCOUNT, MOCK_REGION } from "./mock-values";

const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const SPEC_WEBSOCKET_ROUTES = ["$connect", "$disconnect", "$default", "subscribe", "unsubscribe", "sendMessage", "ping"];
const SPEC_HTTP_ROUTES = [
  "POST /orders",
  "GET /orders",
  "GET /orders/{id}",
  "GET /orders/{id}/events",
  "PATCH /orders/{id}/status",
  "POST /orders/{id}/cancel",
];
const RUNTIME = "nodejs22.x";
/** infra/web.ts: `path: "packages/web"`, `build.output: "dist"`. */
const staticSiteOutputs = ["packages/web/dist"];

let check: GraphQuery;
let production: GraphQuery;

beforeAll(async () => {
  const started = Date.now();
  const [checkGraph, productionGraph] = await Promise.all([
    evaluateGraph({ rootDir, stage: "check", staticSiteOutputs }),
    evaluateGraph({ rootDir, stage: "production", staticSiteOutputs }),
  ]);
  check = new GraphQuery(checkGraph);
  production = new GraphQuery(productionGraph);
  process.stdout.write(`[infra] evaluated sst.config.ts for 2 stages in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
});

const sorted = (values: readonly string[]) => [...values].sort();
const routeKeys = (routes: ResourceRecord[]) => sorted(routes.map((r) => String(r.inputs.routeKey)));

describe("evaluation", () => {
  it("completes with no error and no provider call or SST RPC left unanswered", () => {
    expect(check.graph.errors).toEqual([]);
    expect(production.graph.errors).toEqual([]);
  });

  it("returns the deployment's endpoints and ids as outputs", () => {
    const pool = check.one("aws:cognito/userPool:UserPool");
    const client = check.one("aws:cognito/userPoolClient:UserPoolClient");
    expect(check.graph.outputs).toMatchObject({
      api: expect.stringMatching(/^https:\/\/.+\.execute-api\./),
      ws: expect.stringMatching(/^wss:\/\/.+\.execute-api\./),
      wsManagementEndpoint: expect.stringMatching(/^https:\/\/.+\.execute-api\./),
      web: expect.stringMatching(/^https:\/\/.+\.cloudfront\.net$/),
      userPoolId: check.idOf(pool),
      userPoolClientId: check.idOf(client),
      region: MOCK_REGION,
      table: check.one("aws:dynamodb/table:Table").inputs.name,
    });
  });
});

describe("WebSocket API", () => {
  it("selects routes on $request.body.action", () => {
    const api = check.api("WEBSOCKET");
    expect(api.inputs.routeSelectionExpression).toBe("$request.body.action");
  });

  it("has every route of the route table, and at least the routes SPEC §4 names", () => {
    const routes = check.routesOf(check.api("WEBSOCKET"));
    expect(routeKeys(routes)).toEqual(sorted(Object.keys(webSocketApi.routes)));
    expect(routeKeys(routes)).toEqual(expect.arrayContaining(SPEC_WEBSOCKET_ROUTES));
  });

  it("invokes each route's handler from the route table", () => {
    for (const route of check.routesOf(check.api("WEBSOCKET"))) {
      const key = route.inputs.routeKey as keyof typeof webSocketApi.routes;
      expect(check.lambdaOfRoute(route).inputs.handler, key).toBe(webSocketApi.routes[key].handler);
    }
  });

  it("has one Lambda REQUEST authorizer reading the token from the query string", () => {
    const [authorizer, ...others] = check.authorizersOf(check.api("WEBSOCKET"));
    expect(others).toEqual([]);
    expect(authorizer!.inputs.authorizerType).toBe("REQUEST");
    expect(authorizer!.inputs.identitySources).toEqual(["route.request.querystring.token"]);
    expect(check.lambdaByArn(String(authorizer!.inputs.authorizerUri)).inputs.handler).toBe(webSocketApi.authorizer.handler);
  });

  it("lets API Gateway invoke the authorizer function, and only through that authorizer", () => {
    const api = check.api("WEBSOCKET");
    const authorizer = check.authorizersOf(api)[0]!;
    const fn = check.lambdaByArn(String(authorizer.inputs.authorizerUri));
    const permission = check.one(
      "aws:lambda/permission:Permission",
      (p) => String(p.inputs.function).endsWith(`function:${fn.name}`),
    );
    expect(permission.inputs).toMatchObject({
      action: "lambda:InvokeFunction",
      principal: "apigateway.amazonaws.com",
      sourceArn: `arn:aws:execute-api:${MOCK_REGION}:${MOCK_ACCOUNT}:${check.idOf(api)}/authorizers/${check.idOf(authorizer)}`,
    });
  });

  it("authorizes $connect with it and no other route (API Gateway authorizes only the upgrade)", () => {
    const api = check.api("WEBSOCKET");
    const authorizerId = check.idOf(check.authorizersOf(api)[0]!);
    for (const route of check.routesOf(api)) {
      if (route.inputs.routeKey === "$connect") {
        expect(route.inputs).toMatchObject({ authorizationType: "CUSTOM", authorizerId });
      } else {
        expect(route.inputs.authorizationType, String(route.inputs.routeKey)).toBe("NONE");
        expect(route.inputs.authorizerId, String(route.inputs.routeKey)).toBeUndefined();
      }
    }
  });
});

describe("HTTP API", () => {
  it("has every route of the route table, which are the routes of SPEC §5", () => {
    const routes = check.routesOf(check.api("HTTP"));
    expect(routeKeys(routes)).toEqual(sorted(Object.keys(httpApi.routes)));
    expect(routeKeys(routes)).toEqual(expect.arrayContaining(SPEC_HTTP_ROUTES));
  });

  it("invokes each route's handler from the route table", () => {
    for (const route of check.routesOf(check.api("HTTP"))) {
      const key = route.inputs.routeKey as keyof typeof httpApi.routes;
      expect(check.lambdaOfRoute(route).inputs.handler, key).toBe(httpApi.routes[key].handler);
    }
  });

  it("verifies Cognito tokens of this pool and this web client with a JWT authorizer", () => {
    const [authorizer, ...others] = check.authorizersOf(check.api("HTTP"));
    expect(others).toEqual([]);
    const poolId = check.idOf(check.one("aws:cognito/userPool:UserPool"));
    const clientId = check.idOf(check.one("aws:cognito/userPoolClient:UserPoolClient"));
    expect(authorizer!.inputs).toMatchObject({
      authorizerType: "JWT",
      identitySources: ["$request.header.Authorization"],
      jwtConfiguration: {
        issuer: `https://cognito-idp.${MOCK_REGION}.amazonaws.com/${poolId}`,
        audiences: [clientId],
      },
    });
  });

  it("puts the JWT authorizer on every route", () => {
    const api = check.api("HTTP");
    const authorizerId = check.idOf(check.authorizersOf(api)[0]!);
    for (const route of check.routesOf(api)) {
      expect(route.inputs, String(route.inputs.routeKey)).toMatchObject({ authorizationType: "JWT", authorizerId });
    }
  });

  it("answers CORS preflights as the route table says", () => {
    expect(check.api("HTTP").inputs.corsConfiguration).toEqual({
      allowOrigins: [...httpApi.cors.allowOrigins],
      allowMethods: [...httpApi.cors.allowMethods],
      allowHeaders: [...httpApi.cors.allowHeaders],
      maxAge: httpApi.cors.maxAge,
    });
  });
});

describe("table", () => {
  it("is keyed pk/sk with GSI gsi1 (gsi1pk/gsi1sk) and the table definition's other indexes", () => {
    const table = check.one("aws:dynamodb/table:Table");
    expect(table.inputs).toMatchObject({ hashKey: "pk", rangeKey: "sk", billingMode: "PAY_PER_REQUEST" });
    expect(table.inputs.globalSecondaryIndexes).toContainEqual({
      name: "gsi1",
      hashKey: "gsi1pk",
      rangeKey: "gsi1sk",
      projectionType: "ALL",
    });
    const indexes = table.inputs.globalSecondaryIndexes as { name: string; hashKey: string; rangeKey: string }[];
    expect(indexes.map(({ name, hashKey, rangeKey }) => ({ name, hashKey, rangeKey }))).toEqual(
      Object.entries(tableDefinition.globalIndexes).map(([name, index]) => ({ name, ...index })),
    );
    expect(sorted((table.inputs.attributes as { name: string; type: string }[]).map((a) => `${a.name}:${a.type}`))).toEqual(
      sorted(Object.keys(tableDefinition.fields).map((name) => `${name}:S`)),
    );
  });

  it("expires items on expiresAt", () => {
    expect(check.one("aws:dynamodb/table:Table").inputs.ttl).toEqual({ attributeName: "expiresAt", enabled: true });
  });

  it("streams new and old images", () => {
    expect(check.one("aws:dynamodb/table:Table").inputs).toMatchObject({
      streamEnabled: true,
      streamViewType: "NEW_AND_OLD_IMAGES",
    });
  });
});

describe("stream subscriber (fan-out)", () => {
  const mapping = () => check.one("aws:lambda/eventSourceMapping:EventSourceMapping");

  it("reads the table's stream with the fan-out handler", () => {
    const table = check.one("aws:dynamodb/table:Table");
    expect(mapping().inputs.eventSourceArn).toBe(`arn:aws:dynamodb:${MOCK_REGION}:${MOCK_ACCOUNT}:table/${table.inputs.name}/stream/2026-01-01T00:00:00.000`);
    expect(check.lambdaByArn(String(mapping().inputs.functionName)).inputs.handler).toBe(streamSubscriber.handler);
  });

  it("is invoked only for INSERTs of event items", () => {
    const patterns = (mapping().inputs.filterCriteria.filters as { pattern: string }[]).map((f) => JSON.parse(f.pattern));
    expect(patterns).toEqual([{ eventName: ["INSERT"], dynamodb: { NewImage: { sk: { S: [{ prefix: "EVENT#" }] } } } }]);
    expect(patterns).toEqual(streamSubscriber.filters);
  });

  it("takes batches of the route table's size and reports partial batch failures", () => {
    expect(mapping().inputs).toMatchObject({
      batchSize: streamSubscriber.batchSize,
      functionResponseTypes: ["ReportBatchItemFailures"],
      startingPosition: "LATEST",
    });
  });

  it("gives up on a failing record after bounded retries instead of stalling its shard for a day", () => {
    expect(mapping().inputs.maximumRetryAttempts).toBe(10);
  });

  it("may read the stream", () => {
    const fn = check.lambdaByArn(String(mapping().inputs.functionName));
    expect(check.actionsOf(fn)).toEqual(expect.arrayContaining(["dynamodb:GetRecords", "dynamodb:GetShardIterator"]));
  });
});

describe("functions", () => {
  const everyRoute = () => [
    webSocketApi.authorizer,
    ...Object.values(webSocketApi.routes),
    ...Object.values(httpApi.routes),
    streamSubscriber,
  ];

  it("are one Lambda per route-table entry, all on nodejs22.x", () => {
    const lambdas = check.all("aws:lambda/function:Function");
    expect(sorted(lambdas.map((fn) => String(fn.inputs.handler)))).toEqual(sorted(everyRoute().map((r) => r.handler)));
    for (const fn of lambdas) expect(fn.inputs.runtime, fn.name).toBe(RUNTIME);
    for (const build of check.graph.builds) expect(build.runtime, build.handler).toBe(RUNTIME);
  });

  it("link exactly the resources the route table lists", () => {
    for (const route of everyRoute()) {
      const fn = check.one("aws:lambda/function:Function", (f) => f.inputs.handler === route.handler);
      expect(sorted(Object.keys(check.buildOf(fn).links)), route.handler).toEqual(sorted(route.link));
    }
  });

  it("see each link with the properties Resource.<name> exposes at run time", () => {
    const links = Object.assign({}, ...check.graph.builds.map((b) => b.links)) as Record<string, Record<string, unknown>>;
    expect(Object.keys(links[Link.Realtime]!).sort()).toEqual(["managementEndpoint", "type", "url"]);
    expect(links[Link.Realtime]!.url).toBe(check.graph.outputs.ws);
    expect(links[Link.Realtime]!.managementEndpoint).toBe(check.graph.outputs.wsManagementEndpoint);
    expect(links[Link.Table]).toMatchObject({ name: check.graph.outputs.table });
    expect(links[Link.UserPool]).toMatchObject({ id: check.graph.outputs.userPoolId });
    expect(links[Link.WebClient]).toMatchObject({ id: check.graph.outputs.userPoolClientId });
  });

  it("may manage WebSocket connections only when they link Realtime, and only on that API", () => {
    const executionArn = `arn:aws:execute-api:${MOCK_REGION}:${MOCK_ACCOUNT}:${check.idOf(check.api("WEBSOCKET"))}`;
    for (const route of everyRoute()) {
      const fn = check.one("aws:lambda/function:Function", (f) => f.inputs.handler === route.handler);
      const manage = check.policyOf(fn).filter((s) => s.Action.includes("execute-api:ManageConnections"));
      if ((route.link as readonly string[]).includes(Link.Realtime)) {
        expect(manage.flatMap((s) => s.Resource), route.handler).toEqual([`${executionArn}/*/*/@connections/*`]);
      } else {
        expect(manage, route.handler).toEqual([]);
      }
    }
  });

  it("never let a REST handler reach the WebSocket API: writes reach subscribers through the stream", () => {
    for (const route of Object.values(httpApi.routes)) {
      const fn = check.one("aws:lambda/function:Function", (f) => f.inputs.handler === route.handler);
      expect(check.actionsOf(fn), route.handler).not.toContain("execute-api:ManageConnections");
    }
  });

  it("may use the table only when they link it, and nothing of Cognito's API", () => {
    const tableArn = `arn:aws:dynamodb:${MOCK_REGION}:${MOCK_ACCOUNT}:table/${check.one("aws:dynamodb/table:Table").inputs.name}`;
    for (const route of everyRoute()) {
      const fn = check.one("aws:lambda/function:Function", (f) => f.inputs.handler === route.handler);
      const dynamo = check.policyOf(fn).filter((s) => s.Action.includes("dynamodb:*"));
      if ((route.link as readonly string[]).includes(Link.Table)) {
        expect(dynamo.flatMap((s) => s.Resource), route.handler).toEqual([tableArn, `${tableArn}/*`]);
      } else {
        expect(dynamo, route.handler).toEqual([]);
      }
      expect(check.actionsOf(fn).filter((a) => a.startsWith("cognito-idp:")), route.handler).toEqual([]);
    }
  });
});

describe("Cognito", () => {
  it("signs users in with their email address", () => {
    expect(check.one("aws:cognito/userPool:UserPool").inputs).toMatchObject({
      usernameAttributes: ["email"],
      autoVerifiedAttributes: ["email"],
    });
  });

  it("gives the browser a public client for SRP sign-in and refresh", () => {
    const pool = check.one("aws:cognito/userPool:UserPool");
    expect(check.one("aws:cognito/userPoolClient:UserPoolClient").inputs).toMatchObject({
      userPoolId: check.idOf(pool),
      generateSecret: false,
      explicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    });
  });

  it("has the staff group on the pool", () => {
    const pool = check.one("aws:cognito/userPool:UserPool");
    expect(check.one("aws:cognito/userGroup:UserGroup").inputs).toMatchObject({ name: "staff", userPoolId: check.idOf(pool) });
  });
});

describe("web (StaticSite)", () => {
  const builder = () => check.one("command:local:Command");

  it("builds packages/web with Vite's build script", () => {
    expect(builder().inputs).toMatchObject({ create: "npm run build", dir: path.join(check.graph.root, "packages/web") });
  });

  it("gives the build the deployed endpoints and pool ids as VITE_* variables", () => {
    const { outputs } = check.graph;
    expect(builder().inputs.environment).toEqual({
      VITE_API_URL: outputs.api,
      VITE_WS_URL: outputs.ws,
      VITE_USER_POOL_ID: outputs.userPoolId,
      VITE_USER_POOL_CLIENT_ID: outputs.userPoolClientId,
      VITE_REGION: MOCK_REGION,
    });
  });

  it("is served through CloudFront", () => {
    expect(check.all("aws:cloudfront/distribution:Distribution")).toHaveLength(1);
  });
});

describe("stages", () => {
  it("removes everything of a non-production stage and allows `sst remove`", () => {
    expect(check.graph.app).toMatchObject({ removal: "remove", protect: false });
    expect(check.one("aws:dynamodb/table:Table")).toMatchObject({ retainOnDelete: false });
    expect(check.one("aws:dynamodb/table:Table").inputs.deletionProtectionEnabled).toBe(false);
    expect(check.one("aws:cognito/userPool:UserPool")).toMatchObject({ retainOnDelete: false });
    expect(check.one("aws:cognito/userPool:UserPool").inputs.deletionProtection).toBe("INACTIVE");
  });

  it("keeps production's data (table, user pool) and refuses `sst remove`", () => {
    expect(production.graph.app).toMatchObject({ removal: "retain", protect: true });
    expect(production.graph.outputs._protect).toBe(true);
    expect(production.one("aws:dynamodb/table:Table")).toMatchObject({ retainOnDelete: true });
    expect(production.one("aws:dynamodb/table:Table").inputs.deletionProtectionEnabled).toBe(true);
    expect(production.one("aws:cognito/userPool:UserPool")).toMatchObject({ retainOnDelete: true });
    expect(production.one("aws:cognito/userPool:UserPool").inputs.deletionProtection).toBe("ACTIVE");
  });

  it("name physical resources after the app and stage, so stages never collide", () => {
    expect(check.one("aws:dynamodb/table:Table").inputs.name).toMatch(/^live-orders-check-/);
    expect(production.one("aws:dynamodb/table:Table").inputs.name).toMatch(/^live-orders-production-/);
  });
});
