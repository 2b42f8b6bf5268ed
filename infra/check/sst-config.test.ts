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

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { transportDefaults } from "@live-orders/connections/transport-settings";
import { RetryPolicy } from "@live-orders/core/retry";
import { tableDefinition } from "@live-orders/core/table-definition";
import { type FunctionRoute, httpApi, Link, streamSubscriber, webSocketApi } from "@live-orders/functions/routes";
import { cognitoEndpoint, securityHeaders } from "@live-orders/web/security-headers";
import { beforeAll, describe, expect, it } from "vitest";
import {
  authorizerSizing,
  connectionsAttemptTimeoutSeconds,
  type FunctionSizing,
  fanOutSizing,
  fanOutSubscriberBudgetSeconds,
  httpSizing,
  webSocketSizing,
} from "../function-sizing";
import { evaluateGraph } from "./graph";
import { GraphQuery } from "./graph-query";
import type { ResourceRecord } from "./graph-types";
import { MOCK_ACCOUNT, MOCK_REGION } from "./mock-values";

const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const SPEC_WEBSOCKET_ROUTES = [
  "$connect",
  "$disconnect",
  "$default",
  "subscribe",
  "unsubscribe",
  "sendMessage",
  "ping",
  "typing",
  "markRead",
];
const SPEC_HTTP_ROUTES = [
  "GET /menu",
  "POST /realtime/tickets",
  "POST /orders",
  "GET /orders",
  "GET /orders/{id}",
  "GET /orders/{id}/events",
  "PATCH /orders/{id}/status",
  "POST /orders/{id}/cancel",
  "PATCH /orders/{id}/eta",
];
const RUNTIME = "nodejs22.x";
/** infra/web.ts: `path: "packages/web"`, `build.output: "dist"`. */
const staticSiteOutputs = ["packages/web/dist"];
/** A stand-in for Vite's output, with the source map a build configured to emit them would leave. */
const webBuildOutput = {
  "packages/web/dist/index.html": "<!doctype html><title>Live Orders</title>",
  "packages/web/dist/assets/index-abc123.js": "console.log(1);\n//# sourceMappingURL=index-abc123.js.map\n",
  "packages/web/dist/assets/index-abc123.js.map": '{"version":3}',
  "packages/web/dist/assets/index-abc123.css": "body{}",
};
/** Production's stage settings (`sst secret set`); the check stage sets none. */
const productionSecrets = {
  SST_SECRET_CognitoSesIdentity: "example.com",
  SST_SECRET_AlarmEndpoint: "ops@example.com",
};
/** Item-level DynamoDB actions, the only ones a table link grants (issue 12). */
const TABLE_ITEM_ACTIONS = [
  "dynamodb:GetItem",
  "dynamodb:BatchGetItem",
  "dynamodb:Query",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:ConditionCheckItem",
];
/** What the stream subscription grants its function, on the stream only. */
const STREAM_READ_ACTIONS = [
  "dynamodb:DescribeStream",
  "dynamodb:GetRecords",
  "dynamodb:GetShardIterator",
  "dynamodb:ListStreams",
];

let check: GraphQuery;
let production: GraphQuery;

beforeAll(async () => {
  const started = Date.now();
  const [checkGraph, productionGraph] = await Promise.all([
    evaluateGraph({ rootDir, stage: "check", staticSiteOutputs, scratchFiles: webBuildOutput }),
    evaluateGraph({
      rootDir,
      stage: "production",
      staticSiteOutputs,
      scratchFiles: webBuildOutput,
      env: productionSecrets,
    }),
  ]);
  check = new GraphQuery(checkGraph);
  production = new GraphQuery(productionGraph);
  process.stdout.write(
    `[infra] evaluated sst.config.ts for 2 stages in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
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

  it("has one Lambda REQUEST authorizer reading a connect ticket (never a token) from the query string", () => {
    const [authorizer, ...others] = check.authorizersOf(check.api("WEBSOCKET"));
    expect(others).toEqual([]);
    expect(authorizer!.inputs.authorizerType).toBe("REQUEST");
    expect(authorizer!.inputs.identitySources).toEqual(["route.request.querystring.ticket"]);
    expect(check.lambdaByArn(String(authorizer!.inputs.authorizerUri)).inputs.handler).toBe(
      webSocketApi.authorizer.handler,
    );
  });

  it("tells the authorizer the web app's origin, the only one a browser may connect from", () => {
    const fn = check.lambdaOfHandler(webSocketApi.authorizer.handler);
    const origin = new URL(String(check.graph.outputs.web)).origin;
    expect(fn.inputs.environment?.variables?.LIVE_ORDERS_WEB_ORIGINS).toBe(origin);
    expect(origin).toMatch(/^https:\/\/[^/]+\.cloudfront\.net$/);
  });

  it("lets API Gateway invoke the authorizer function, and only through that authorizer", () => {
    const api = check.api("WEBSOCKET");
    const authorizer = check.authorizersOf(api)[0]!;
    const fn = check.lambdaByArn(String(authorizer.inputs.authorizerUri));
    const permission = check.one("aws:lambda/permission:Permission", (p) =>
      String(p.inputs.function).endsWith(`function:${check.physicalNameOf(fn)}`),
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

  it("requires no scope of any route, so an ID token reaches its handler and gets 401 there (SPEC §5)", () => {
    for (const route of check.routesOf(check.api("HTTP"))) {
      expect(route.inputs.authorizationScopes, String(route.inputs.routeKey)).toBeUndefined();
    }
    expect("scopes" in httpApi.authorizer).toBe(false);
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
    expect(
      sorted((table.inputs.attributes as { name: string; type: string }[]).map((a) => `${a.name}:${a.type}`)),
    ).toEqual(sorted(Object.keys(tableDefinition.fields).map((name) => `${name}:S`)));
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
    expect(mapping().inputs.eventSourceArn).toBe(
      `arn:aws:dynamodb:${MOCK_REGION}:${MOCK_ACCOUNT}:table/${table.inputs.name}/stream/2026-01-01T00:00:00.000`,
    );
    expect(check.lambdaByArn(String(mapping().inputs.functionName)).inputs.handler).toBe(streamSubscriber.handler);
  });

  it("is invoked only for INSERTs of event items", () => {
    const patterns = (mapping().inputs.filterCriteria.filters as { pattern: string }[]).map((f) =>
      JSON.parse(f.pattern),
    );
    expect(patterns).toEqual([
      { eventName: ["INSERT"], dynamodb: { NewImage: { sk: { S: [{ prefix: "EVENT#" }] } } } },
    ]);
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

  it("bisects a failing batch and gives up on records older than 15 minutes", () => {
    expect(mapping().inputs).toMatchObject({ bisectBatchOnFunctionError: true, maximumRecordAgeInSeconds: 900 });
  });

  it("reads each shard with 10 concurrent batches (order is kept per partition key: per order)", () => {
    expect(mapping().inputs.parallelizationFactor).toBe(10);
    // Lambda keeps the order of one partition key only: every event of an order must share one.
    expect(tableDefinition.primaryIndex).toEqual({ hashKey: "pk", rangeKey: "sk" });
  });

  it("sends what it gives up on to an SQS queue that keeps it 14 days, encrypted", () => {
    const queue = check.one("aws:sqs/queue:Queue");
    expect(mapping().inputs.destinationConfig).toEqual({
      onFailure: { destinationArn: `arn:aws:sqs:${MOCK_REGION}:${MOCK_ACCOUNT}:${check.physicalNameOf(queue)}` },
    });
    expect(queue.inputs).toMatchObject({
      fifoQueue: false,
      messageRetentionSeconds: 14 * 24 * 3600,
      sqsManagedSseEnabled: true,
    });
    expect(check.graph.outputs.fanOutFailureQueue).toBe(
      `https://sqs.${MOCK_REGION}.amazonaws.com/${MOCK_ACCOUNT}/${check.physicalNameOf(queue)}`,
    );
  });

  it("lets only the fan-out's role send to that queue (Lambda delivers with the function's permissions)", () => {
    const queueArn = `arn:aws:sqs:${MOCK_REGION}:${MOCK_ACCOUNT}:${check.physicalNameOf(check.one("aws:sqs/queue:Queue"))}`;
    const fanOut = check.lambdaByArn(String(mapping().inputs.functionName));
    for (const fn of check.all("aws:lambda/function:Function")) {
      const send = check.policyOf(fn).filter((s) => s.Action.some((a) => a.startsWith("sqs:")));
      if (fn === fanOut) expect(send).toEqual([{ Effect: "Allow", Action: ["sqs:SendMessage"], Resource: [queueArn] }]);
      else expect(send, String(fn.inputs.handler)).toEqual([]);
    }
  });

  it("has a timeout above one subscriber's whole retry budget", () => {
    // 4 fan-out attempts × (3 transport attempts × the per-attempt timeout + 0.1 + 0.2 s of
    // backoff) + 0.05 + 0.1 + 0.2 s of backoff: 37.55 s at 3 s per attempt.
    const budget = 4 * (3 * connectionsAttemptTimeoutSeconds + 0.1 + 0.2) + (0.05 + 0.1 + 0.2);
    expect(RetryPolicy.fanOutPost.attempts).toBe(4);
    expect(RetryPolicy.sdkStandard.attempts).toBe(3);
    expect(fanOutSubscriberBudgetSeconds).toBeCloseTo(budget, 6);
    const fn = check.lambdaByArn(String(mapping().inputs.functionName));
    expect(fn.inputs.timeout).toBeGreaterThan(budget);
    expect(fn.inputs.timeout).toBeLessThanOrEqual(900);
  });
});

describe("alarms", () => {
  const topicArn = (graph: GraphQuery) =>
    `arn:aws:sns:${MOCK_REGION}:${MOCK_ACCOUNT}:${graph.physicalNameOf(graph.one("aws:sns/topic:Topic"))}`;
  const fanOutName = (graph: GraphQuery) => graph.physicalNameOf(graph.lambdaOfHandler(streamSubscriber.handler));

  it("notify one SNS topic when they fire and when they recover", () => {
    const alarms = check.all("aws:cloudwatch/metricAlarm:MetricAlarm");
    expect(alarms.map((a) => String(a.inputs.name)).sort()).toEqual(
      ["api-5xx", "fan-out-errors", "fan-out-failures", "fan-out-iterator-age"].map((n) => `live-orders-check-${n}`),
    );
    for (const alarm of alarms) {
      expect(alarm.inputs, String(alarm.inputs.name)).toMatchObject({
        alarmActions: [topicArn(check)],
        okActions: [topicArn(check)],
      });
    }
    expect(check.graph.outputs.alarmTopic).toBe(topicArn(check));
  });

  it("watch the stream's iterator age on the fan-out: over a minute, three minutes running", () => {
    expect(check.alarm("fan-out-iterator-age").inputs).toMatchObject({
      namespace: "AWS/Lambda",
      metricName: "IteratorAge",
      dimensions: { FunctionName: fanOutName(check) },
      statistic: "Maximum",
      period: 60,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      threshold: 60_000,
      comparisonOperator: "GreaterThanThreshold",
    });
  });

  it("fire on any fan-out function error", () => {
    expect(check.alarm("fan-out-errors").inputs).toMatchObject({
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions: { FunctionName: fanOutName(check) },
      statistic: "Sum",
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
    });
  });

  it("fire as soon as the failure queue holds a message", () => {
    expect(check.alarm("fan-out-failures").inputs).toMatchObject({
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: check.physicalNameOf(check.one("aws:sqs/queue:Queue")) },
      statistic: "Maximum",
      period: 60,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
    });
  });

  it("watch the HTTP API's 5xx answers", () => {
    expect(check.alarm("api-5xx").inputs).toMatchObject({
      namespace: "AWS/ApiGateway",
      metricName: "5xx",
      dimensions: { ApiId: check.idOf(check.api("HTTP")) },
      statistic: "Sum",
      period: 300,
      threshold: 5,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
    });
  });

  it("treat no data (no traffic) as no alarm", () => {
    for (const alarm of check.all("aws:cloudwatch/metricAlarm:MetricAlarm")) {
      expect(alarm.inputs.treatMissingData, String(alarm.inputs.name)).toBe("notBreaching");
    }
  });

  it("reach nobody until the stage names an endpoint, then exactly it", () => {
    expect(check.all("aws:sns/topicSubscription:TopicSubscription")).toEqual([]);
    expect(production.one("aws:sns/topicSubscription:TopicSubscription").inputs).toEqual({
      topic: topicArn(production),
      protocol: "email",
      endpoint: "ops@example.com",
    });
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
    const links = Object.assign({}, ...check.graph.builds.map((b) => b.links)) as Record<
      string,
      Record<string, unknown>
    >;
    expect(Object.keys(links[Link.Realtime]!).sort()).toEqual(["managementEndpoint", "type", "url"]);
    expect(links[Link.Realtime]!.url).toBe(check.graph.outputs.ws);
    expect(links[Link.Realtime]!.managementEndpoint).toBe(check.graph.outputs.wsManagementEndpoint);
    expect(links[Link.Table]).toMatchObject({ name: check.graph.outputs.table });
  });

  it("never link the user pool or its client: API Gateway verifies tokens, tickets stand in for them on the WebSocket", () => {
    for (const build of check.graph.builds) {
      expect(Object.keys(build.links), build.handler).not.toContain(Link.UserPool);
      expect(Object.keys(build.links), build.handler).not.toContain(Link.WebClient);
    }
  });

  it("may manage WebSocket connections only when they link Realtime, and only on that API", () => {
    const executionArn = `arn:aws:execute-api:${MOCK_REGION}:${MOCK_ACCOUNT}:${check.idOf(check.api("WEBSOCKET"))}`;
    for (const route of everyRoute()) {
      const fn = check.one("aws:lambda/function:Function", (f) => f.inputs.handler === route.handler);
      const manage = check.policyOf(fn).filter((s) => s.Action.includes("execute-api:ManageConnections"));
      if ((route.link as readonly string[]).includes(Link.Realtime)) {
        expect(
          manage.flatMap((s) => s.Resource),
          route.handler,
        ).toEqual([`${executionArn}/*/*/@connections/*`]);
      } else {
        expect(manage, route.handler).toEqual([]);
      }
    }
  });

  it("never let a REST handler reach the WebSocket API but sign-out's: writes reach subscribers through the stream", () => {
    for (const [key, route] of Object.entries(httpApi.routes)) {
      const fn = check.one("aws:lambda/function:Function", (f) => f.inputs.handler === route.handler);
      if (key === "DELETE /realtime/connections") {
        // Sign-out closes the caller's own connections (DELETE @connections), and nothing else.
        expect(check.actionsOf(fn), route.handler).toContain("execute-api:ManageConnections");
      } else {
        expect(check.actionsOf(fn), route.handler).not.toContain("execute-api:ManageConnections");
      }
    }
  });

  it("may read and write the table's items only when they link it, on the table and its indexes", () => {
    const tableArn = `arn:aws:dynamodb:${MOCK_REGION}:${MOCK_ACCOUNT}:table/${check.one("aws:dynamodb/table:Table").inputs.name}`;
    for (const route of everyRoute()) {
      const items = check
        .policyOf(check.lambdaOfHandler(route.handler))
        .filter((s) => s.Action.includes("dynamodb:PutItem"));
      if ((route.link as readonly string[]).includes(Link.Table)) {
        expect(items, route.handler).toEqual([
          { Effect: "Allow", Action: TABLE_ITEM_ACTIONS, Resource: [tableArn, `${tableArn}/index/*`] },
        ]);
      } else {
        expect(items, route.handler).toEqual([]);
      }
    }
  });

  it("may never manage, scan or export the table, and nothing of Cognito's API", () => {
    const streamReader = check.lambdaOfHandler(streamSubscriber.handler);
    for (const fn of check.all("aws:lambda/function:Function")) {
      const dynamo = check.actionsOf(fn).filter((a) => a.startsWith("dynamodb:"));
      const allowed = [...TABLE_ITEM_ACTIONS, ...(fn === streamReader ? STREAM_READ_ACTIONS : [])];
      expect(
        dynamo.filter((a) => !allowed.includes(a)),
        String(fn.inputs.handler),
      ).toEqual([]);
      expect(
        check.actionsOf(fn).filter((a) => a.includes("*")),
        String(fn.inputs.handler),
      ).toEqual([]);
      expect(
        check.actionsOf(fn).filter((a) => a.startsWith("cognito-idp:")),
        String(fn.inputs.handler),
      ).toEqual([]);
    }
  });

  it("may read a stream only for the fan-out, and only the table's stream", () => {
    const streamArn = `arn:aws:dynamodb:${MOCK_REGION}:${MOCK_ACCOUNT}:table/${check.one("aws:dynamodb/table:Table").inputs.name}/stream/2026-01-01T00:00:00.000`;
    for (const fn of check.all("aws:lambda/function:Function")) {
      const stream = check.policyOf(fn).filter((s) => s.Action.includes("dynamodb:GetRecords"));
      if (fn.inputs.handler === streamSubscriber.handler) {
        expect(stream).toEqual([{ Effect: "Allow", Action: STREAM_READ_ACTIONS, Resource: [streamArn] }]);
      } else {
        expect(stream, String(fn.inputs.handler)).toEqual([]);
      }
    }
  });
});

describe("function sizes", () => {
  /** Each route-table entry with the size infra/function-sizing.ts gives it. */
  const sized = (): [FunctionRoute, FunctionSizing][] => [
    [webSocketApi.authorizer, authorizerSizing],
    ...Object.entries(webSocketApi.routes).map(
      ([key, route]) =>
        [route, webSocketSizing[key as keyof typeof webSocketSizing]] as [FunctionRoute, FunctionSizing],
    ),
    ...Object.entries(httpApi.routes).map(
      ([key, route]) => [route, httpSizing[key as keyof typeof httpSizing]] as [FunctionRoute, FunctionSizing],
    ),
    [streamSubscriber, fanOutSizing],
  ];
  const sizeOf = (fn: ResourceRecord) => ({
    architecture: (fn.inputs.architectures as string[]).join(","),
    memoryMb: fn.inputs.memorySize as number,
    timeoutSeconds: fn.inputs.timeout as number,
  });

  it("give every function the architecture, memory and timeout chosen for it, in every stage", () => {
    for (const graph of [check, production]) {
      for (const [route, size] of sized()) {
        expect(sizeOf(graph.lambdaOfHandler(route.handler)), route.handler).toEqual(size);
      }
    }
  });

  it("run every function on arm64 (SST's default is x86_64)", () => {
    for (const fn of check.all("aws:lambda/function:Function")) {
      expect(sizeOf(fn).architecture, String(fn.inputs.handler)).toBe("arm64");
    }
  });

  it("keep the fan-out at 256–512 MB, the authorizer and ping small", () => {
    expect(sizeOf(check.lambdaOfHandler(streamSubscriber.handler)).memoryMb).toBeGreaterThanOrEqual(256);
    expect(sizeOf(check.lambdaOfHandler(streamSubscriber.handler)).memoryMb).toBeLessThanOrEqual(512);
    expect(sizeOf(check.lambdaOfHandler(webSocketApi.authorizer.handler)).memoryMb).toBeLessThanOrEqual(256);
    expect(sizeOf(check.lambdaOfHandler(webSocketApi.routes.ping.handler)).memoryMb).toBeLessThanOrEqual(256);
  });

  it("let a REST handler run no longer than the HTTP API waits (30 s)", () => {
    for (const route of Object.values(httpApi.routes)) {
      expect(sizeOf(check.lambdaOfHandler(route.handler)).timeoutSeconds, route.handler).toBeLessThanOrEqual(30);
    }
  });

  it("let a function that posts outlast one @connections call's whole retry budget", () => {
    // 3 attempts × the per-attempt timeout + 0.1 + 0.2 s of backoff.
    const callBudget = 3 * connectionsAttemptTimeoutSeconds + 0.3;
    for (const route of [...Object.values(webSocketApi.routes), streamSubscriber]) {
      if (!(route.link as readonly string[]).includes(Link.Realtime)) continue;
      expect(sizeOf(check.lambdaOfHandler(route.handler)).timeoutSeconds, route.handler).toBeGreaterThan(callBudget);
    }
  });
});

describe("@connections transport settings", () => {
  const environmentOf = (fn: ResourceRecord) =>
    ((fn.inputs.environment as { variables?: Record<string, string> } | undefined)?.variables ?? {}) as Record<
      string,
      string
    >;

  it("reach every function that posts as configuration: no pipelining, the attempt timeout the sizes budget", () => {
    const routes = [webSocketApi.authorizer, ...Object.values(webSocketApi.routes), ...Object.values(httpApi.routes)];
    for (const route of [...routes, streamSubscriber]) {
      const env = environmentOf(check.lambdaOfHandler(route.handler));
      if ((route.link as readonly string[]).includes(Link.Realtime)) {
        expect(env, route.handler).toMatchObject({
          LIVE_ORDERS_CONNECTIONS_PIPELINING: "1",
          // one connection per post in flight: 25 per topic × 3 topics (transport-settings.test.ts pins it)
          LIVE_ORDERS_CONNECTIONS_POOL: String(transportDefaults.connections),
          LIVE_ORDERS_CONNECTIONS_ATTEMPT_TIMEOUT_MS: String(connectionsAttemptTimeoutSeconds * 1000),
        });
      } else {
        expect(
          Object.keys(env).filter((name) => name.startsWith("LIVE_ORDERS_CONNECTIONS_")),
          route.handler,
        ).toEqual([]);
      }
    }
    expect(connectionsAttemptTimeoutSeconds).toBe(3);
  });
});

describe("Cognito", () => {
  it("signs users in with their email address", () => {
    expect(check.one("aws:cognito/userPool:UserPool").inputs).toMatchObject({
      usernameAttributes: ["email"],
      autoVerifiedAttributes: ["email"],
    });
  });

  it("issues access and ID tokens valid for 15 minutes (refreshed by Amplify), revocable refresh tokens", () => {
    expect(check.one("aws:cognito/userPoolClient:UserPoolClient").inputs).toMatchObject({
      accessTokenValidity: 15,
      idTokenValidity: 15,
      refreshTokenValidity: 30,
      tokenValidityUnits: { accessToken: "minutes", idToken: "minutes", refreshToken: "days" },
      enableTokenRevocation: true,
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

  it("sends its e-mails through Cognito's default sender while the stage names no SES identity", () => {
    expect(check.one("aws:cognito/userPool:UserPool").inputs.emailConfiguration).toEqual({
      emailSendingAccount: "COGNITO_DEFAULT",
    });
  });

  it("sends them through SES from the identity the stage names (CognitoSesIdentity)", () => {
    expect(production.one("aws:cognito/userPool:UserPool").inputs.emailConfiguration).toEqual({
      emailSendingAccount: "DEVELOPER",
      sourceArn: `arn:aws:ses:${MOCK_REGION}:${MOCK_ACCOUNT}:identity/example.com`,
      fromEmailAddress: "Live Orders <no-reply@example.com>",
    });
  });

  it("has the staff group on the pool", () => {
    const pool = check.one("aws:cognito/userPool:UserPool");
    expect(check.one("aws:cognito/userGroup:UserGroup").inputs).toMatchObject({
      name: "staff",
      userPoolId: check.idOf(pool),
    });
  });
});

describe("web (StaticSite)", () => {
  const builder = () => check.one("command:local:Command");
  const distribution = () => check.one("aws:cloudfront/distribution:Distribution");
  const headersPolicy = () => check.one("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy");
  const uploads = () =>
    check.one("pulumi-nodejs:dynamic:Resource", (r) => r.name.startsWith("WebAssetFiles")).inputs.files as {
      key: string;
      cacheControl: string;
    }[];

  it("builds packages/web with Vite's build script, without source maps", () => {
    expect(builder().inputs).toMatchObject({
      create: "npm run build -- --sourcemap false",
      dir: path.join(check.graph.root, "packages/web"),
    });
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

  it("uploads the build but never a source map; HTML uncached, hashed assets immutable", () => {
    expect(
      uploads()
        .map((f) => [f.key, f.cacheControl])
        .sort(),
    ).toEqual([
      ["assets/index-abc123.css", "max-age=31536000,public,immutable"],
      ["assets/index-abc123.js", "max-age=31536000,public,immutable"],
      ["index.html", "max-age=0,no-cache,no-store,must-revalidate"],
    ]);
  });

  it("builds no source map when the deploy's build command really runs (Vite, packages/web)", () => {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "live-orders-web-build-"));
    try {
      const command = `${builder().inputs.create} --outDir ${JSON.stringify(outDir)} --emptyOutDir --logLevel error`;
      const result = spawnSync(command, { cwd: path.join(rootDir, "packages/web"), shell: true, encoding: "utf8" });
      expect(result.status, result.stderr).toBe(0);
      const files = fs.readdirSync(outDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
      const scripts = files.filter((f) => f.name.endsWith(".js"));
      expect(scripts.length).toBeGreaterThan(0);
      expect(files.filter((f) => f.name.endsWith(".map")).map((f) => f.name)).toEqual([]);
      for (const script of scripts) {
        expect(fs.readFileSync(path.join(script.parentPath, script.name), "utf8"), script.name).not.toContain(
          "sourceMappingURL",
        );
      }
    } finally {
      fs.rmSync(outDir, { recursive: true, force: true });
    }
  });

  it("answers every request with the security response headers policy", () => {
    expect(distribution().inputs.defaultCacheBehavior.responseHeadersPolicyId).toBe(check.idOf(headersPolicy()));
    expect(distribution().inputs.orderedCacheBehaviors ?? []).toEqual([]);
  });

  it("allows the page to connect to exactly its origin, the HTTP API, the WebSocket API and Cognito", () => {
    const csp = String(headersPolicy().inputs.securityHeadersConfig.contentSecurityPolicy.contentSecurityPolicy);
    const directives = Object.fromEntries(
      csp
        .split(";")
        .map((d) => d.trim().split(/\s+/))
        .map(([name, ...sources]) => [name, sources]),
    );
    const origin = (url: unknown) => new URL(String(url)).origin;
    expect(directives["connect-src"]).toEqual([
      "'self'",
      origin(check.graph.outputs.api),
      origin(check.graph.outputs.ws),
      `https://cognito-idp.${MOCK_REGION}.amazonaws.com`,
    ]);
    expect(directives["default-src"]).toEqual(["'self'"]);
    expect(directives["script-src"]).toEqual(["'self'"]);
    expect(directives["frame-ancestors"]).toEqual(["'none'"]);
    expect(directives["object-src"]).toEqual(["'none'"]);
  });

  it("sends HSTS, nosniff, a referrer policy and no framing, overriding the origin", () => {
    expect(headersPolicy().inputs.securityHeadersConfig).toMatchObject({
      strictTransportSecurity: {
        accessControlMaxAgeSec: 63_072_000,
        includeSubdomains: false,
        preload: false,
        override: true,
      },
      contentTypeOptions: { override: true },
      referrerPolicy: { referrerPolicy: "no-referrer", override: true },
      frameOptions: { frameOption: "DENY", override: true },
      contentSecurityPolicy: { override: true },
    });
  });

  it("sends exactly the headers of packages/web/src/security-headers.ts, which the local web server uses too", () => {
    const config = headersPolicy().inputs.securityHeadersConfig;
    const hsts = config.strictTransportSecurity;
    const served = {
      "Content-Security-Policy": config.contentSecurityPolicy.contentSecurityPolicy,
      "Strict-Transport-Security": [
        `max-age=${hsts.accessControlMaxAgeSec}`,
        ...(hsts.includeSubdomains ? ["includeSubDomains"] : []),
        ...(hsts.preload ? ["preload"] : []),
      ].join("; "),
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": config.referrerPolicy.referrerPolicy,
      "X-Frame-Options": config.frameOptions.frameOption,
    };
    const { outputs } = check.graph;
    expect(served).toEqual(
      securityHeaders({
        api: String(outputs.api),
        webSocket: String(outputs.ws),
        cognito: cognitoEndpoint(MOCK_REGION),
      }),
    );
  });
});

describe("stages", () => {
  it("removes everything of a non-production stage and allows `sst remove`", () => {
    expect(check.graph.app).toMatchObject({ removal: "remove", protect: false });
    expect(check.one("aws:dynamodb/table:Table")).toMatchObject({ retainOnDelete: false, protect: false });
    expect(check.one("aws:cognito/userPool:UserPool")).toMatchObject({ protect: false });
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

  it("refuse any deploy that would replace or delete production's table or user pool (Pulumi protect)", () => {
    // `protect` in app() only refuses `sst remove`; a replacing `sst deploy` needs the resource's own.
    expect(production.one("aws:dynamodb/table:Table")).toMatchObject({ protect: true, retainOnDelete: true });
    expect(production.one("aws:cognito/userPool:UserPool")).toMatchObject({ protect: true, retainOnDelete: true });
  });

  it("protect nothing else in production: every other resource can be replaced by a deploy", () => {
    const protectedResources = production.graph.resources.filter((r) => r.protect).map((r) => r.type);
    expect(protectedResources.sort()).toEqual(["aws:cognito/userPool:UserPool", "aws:dynamodb/table:Table"]);
  });

  it("name physical resources after the app and stage, so stages never collide", () => {
    expect(check.one("aws:dynamodb/table:Table").inputs.name).toMatch(/^live-orders-check-/);
    expect(production.one("aws:dynamodb/table:Table").inputs.name).toMatch(/^live-orders-production-/);
  });
});
