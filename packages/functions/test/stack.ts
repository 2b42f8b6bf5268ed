/**
 * The app on the local stack for the functions' end-to-end integration tests: `startLocalStack`
 * (what `npm start` runs) on the run's DynamoDB Local and cognito-local from the global setup,
 * with a fresh table and user pool per test file. Clients are real `ws` sockets and `fetch` with
 * real cognito-local tokens.
 *
 * The cost measurement needs to see inside (count every handler invocation, route the handlers'
 * DynamoDB and `@connections` traffic through counting proxies), which `startLocalStack` has no
 * hooks for; with those options the same parts are assembled here, in the same order.
 */
import { randomUUID } from "node:crypto";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CognitoIdentityProviderClient, InitiateAuthCommand } from "@aws-sdk/client-cognito-identity-provider";
import { inject } from "vitest";
import { createTable } from "@live-orders/local/dynamodb/dynamodb-local";
import { ensureUserPool, type DemoUser, type UserPool } from "@live-orders/local/cognito/user-pool";
import { createHandlerLoader, type HandlerLoader } from "@live-orders/local/lambda/handler-loader";
import { startGateway, type Gateway } from "@live-orders/local/gateway/index";
import { startStreamPoller, type StreamPoller } from "@live-orders/local/streams/stream-poller";
import { startLocalStack } from "@live-orders/local/stack/local-stack";
import { httpApi, streamSubscriber, webSocketApi } from "../src/routes";

declare module "vitest" {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    cognitoEndpoint: string;
  }
}

export const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const password = "Passw0rd!";

export const users: readonly DemoUser[] = [
  { email: "alice@example.com", role: "customer", password },
  { email: "bob@example.com", role: "customer", password },
  { email: "staff@example.com", role: "staff", password },
];

export interface TestStack {
  api: string;
  ws: string;
  managementEndpoint: string;
  tableName: string;
  dynamoEndpoint: string;
  cognitoEndpoint: string;
  pool: UserPool;
  loader: HandlerLoader;
  /** A fresh access token of one of `users`. */
  token(email: string): Promise<string>;
  userId(email: string): string;
  stop(): Promise<void>;
}

export interface TestStackOptions {
  /** Wrap the loader (e.g. to count invocations). */
  wrapLoader?: (loader: HandlerLoader) => HandlerLoader;
  /** DynamoDB endpoint the handlers use (e.g. a counting proxy); defaults to the run's DynamoDB Local. */
  handlerDynamoEndpoint?: (endpoint: string) => string;
  /** Management endpoint the handlers use (e.g. a counting proxy in front of the gateway's). */
  handlerManagementEndpoint?: (endpoint: string) => Promise<string> | string;
  env?: Record<string, string>;
  /** Seed the demo orders (startLocalStack only). Default false: tests make their own data. */
  seed?: boolean;
  log?: (line: string) => void;
}

export async function signIn(cognitoEndpoint: string, clientId: string, email: string): Promise<string> {
  const client = new CognitoIdentityProviderClient({
    endpoint: cognitoEndpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  try {
    const result = await client.send(
      new InitiateAuthCommand({
        AuthFlow: "USER_PASSWORD_AUTH",
        ClientId: clientId,
        AuthParameters: { USERNAME: email, PASSWORD: password },
      }),
    );
    const token = result.AuthenticationResult?.AccessToken;
    if (token === undefined) throw new Error(`no access token for ${email}`);
    return token;
  } finally {
    client.destroy();
  }
}

export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const instrumented = options.wrapLoader || options.handlerDynamoEndpoint || options.handlerManagementEndpoint;
  if (instrumented) return startInstrumentedStack(options);
  const dynamoEndpoint = inject("dynamoEndpoint");
  const cognitoEndpoint = inject("cognitoEndpoint");
  const suffix = randomUUID().slice(0, 8);
  Object.assign(process.env, { POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? "SILENT", ...options.env });
  const stack = await startLocalStack({
    rootDir,
    dynamoEndpoint,
    cognitoEndpoint,
    tableName: `e2e-${suffix}`,
    poolName: `e2e-${suffix}`,
    web: false,
    seed: options.seed ?? false,
    log: options.log ?? (() => undefined),
  });
  const { outputs } = stack;
  const issuer = `${cognitoEndpoint.replace(/\/+$/, "")}/${outputs.userPoolId}`;
  const pool: UserPool = {
    userPoolId: outputs.userPoolId,
    userPoolClientId: outputs.userPoolClientId,
    issuer,
    jwksUri: `${issuer}/.well-known/jwks.json`,
    users: stack.users,
  };
  const ids = new Map(stack.users.map((user) => [user.email, user.userId]));
  return {
    api: outputs.api,
    ws: outputs.ws,
    managementEndpoint: outputs.wsManagementEndpoint,
    tableName: outputs.table,
    dynamoEndpoint,
    cognitoEndpoint,
    pool,
    loader: stack.loader,
    token: (email) => signIn(cognitoEndpoint, outputs.userPoolClientId, email),
    userId: (email) => {
      const id = ids.get(email);
      if (id === undefined) throw new Error(`unknown user ${email}`);
      return id;
    },
    stop: () => stack.stop(),
  };
}

async function startInstrumentedStack(options: TestStackOptions): Promise<TestStack> {
  const dynamoEndpoint = inject("dynamoEndpoint");
  const cognitoEndpoint = inject("cognitoEndpoint");
  const suffix = randomUUID().slice(0, 8);
  const tableName = `e2e-${suffix}`;
  const log = options.log ?? (() => undefined);
  await createTable({ endpoint: dynamoEndpoint, tableName });
  const pool = await ensureUserPool({ endpoint: cognitoEndpoint, poolName: `e2e-${suffix}`, users });

  // Handlers read these (SST links locally). They must be in place before the first handler
  // import; the management endpoint is known once the gateway listens, before any handler runs.
  Object.assign(process.env, {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    SST_RESOURCE_App: JSON.stringify({ name: "live-orders", stage: "local" }),
    SST_RESOURCE_Table: JSON.stringify({ name: tableName }),
    SST_RESOURCE_UserPool: JSON.stringify({ id: pool.userPoolId }),
    SST_RESOURCE_WebClient: JSON.stringify({ id: pool.userPoolClientId }),
    LIVE_ORDERS_DYNAMODB_ENDPOINT: options.handlerDynamoEndpoint?.(dynamoEndpoint) ?? dynamoEndpoint,
    LIVE_ORDERS_COGNITO_ISSUER: pool.issuer,
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? "SILENT",
    ...options.env,
  });

  const baseLoader = createHandlerLoader({ rootDir, log });
  const loader = options.wrapLoader?.(baseLoader) ?? baseLoader;
  const gateway: Gateway = await startGateway({
    loader,
    log,
    webSocket: {
      routes: Object.fromEntries(Object.entries(webSocketApi.routes).map(([key, route]) => [key, { handler: route.handler }])),
      authorizer: { handler: webSocketApi.authorizer.handler, identitySources: webSocketApi.authorizer.identitySources },
    },
    http: {
      routes: Object.fromEntries(Object.entries(httpApi.routes).map(([key, route]) => [key, { handler: route.handler }])),
      jwt: { issuer: pool.issuer, audiences: [pool.userPoolClientId], jwksUri: pool.jwksUri },
      cors: httpApi.cors,
    },
  });
  const managementEndpoint = (await options.handlerManagementEndpoint?.(gateway.managementEndpoint)) ?? gateway.managementEndpoint;
  process.env.SST_RESOURCE_Realtime = JSON.stringify({ url: gateway.wsUrl, managementEndpoint });

  const poller: StreamPoller = startStreamPoller({
    endpoint: dynamoEndpoint,
    tableName,
    handler: streamSubscriber.handler,
    loader,
    batchSize: streamSubscriber.batchSize,
    filters: streamSubscriber.filters,
    pollIntervalMs: 20,
    log,
  });
  await poller.ready;

  const ids = new Map(pool.users.map((user) => [user.email, user.userId]));
  return {
    api: gateway.httpUrl,
    ws: gateway.wsUrl,
    managementEndpoint: gateway.managementEndpoint,
    tableName,
    dynamoEndpoint,
    cognitoEndpoint,
    pool,
    loader,
    token: (email) => signIn(cognitoEndpoint, pool.userPoolClientId, email),
    userId: (email) => {
      const id = ids.get(email);
      if (id === undefined) throw new Error(`unknown user ${email}`);
      return id;
    },
    async stop() {
      await poller.stop();
      await gateway.stop();
      await baseLoader.close();
    },
  };
}
