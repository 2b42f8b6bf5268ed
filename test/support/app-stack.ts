/**
 * The whole app on the local stack, assembled from the same parts and in the same order as
 * `startLocalStack` (what `npm start` runs), for the benchmarks and the reliability suite, which
 * need what `startLocalStack` keeps inside:
 *  - the gateway itself, to restart it on the same ports (chaos) and read its meters (cost);
 *  - every handler invocation counted and timed (Lambda cost);
 *  - optionally the handlers' DynamoDB traffic through a counting proxy (capacity units as
 *    DynamoDB reports them, `ReturnConsumedCapacity: INDEXES`).
 * No mocks: DynamoDB Local, cognito-local, the local API Gateway, the stream poller and the
 * app's bundled handlers, with real Cognito tokens.
 */
import { randomUUID } from "node:crypto";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CognitoIdentityProviderClient, InitiateAuthCommand } from "@aws-sdk/client-cognito-identity-provider";
import { httpApi, streamSubscriber, webSocketApi } from "@live-orders/functions/routes";
import { DEMO_PASSWORD, demoUsers, ensureUserPool, type UserPool } from "@live-orders/local/cognito/user-pool";
import { createTable } from "@live-orders/local/dynamodb/dynamodb-local";
import { startGateway, type Gateway } from "@live-orders/local/gateway/index";
import { createHandlerLoader, type HandlerLoader } from "@live-orders/local/lambda/handler-loader";
import { startStreamPoller, type StreamPoller } from "@live-orders/local/streams/stream-poller";
import { startDynamoDbCountingProxy, type DynamoDbCounts } from "./dynamodb-counting-proxy";

export const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export interface AppStackOptions {
  dynamoEndpoint: string;
  cognitoEndpoint: string;
  /** Route the handlers' DynamoDB calls through a counting proxy. Default false. */
  countDynamoDb?: boolean;
  /** Extra handler environment (e.g. LIVE_ORDERS_RATE_LIMIT_FRAMES). */
  env?: Record<string, string>;
  webSocket?: { idleTimeoutMs?: number; maxConnectionMs?: number };
  log?: (line: string) => void;
}

export interface Invocations {
  count: number;
  /** Summed wall time of the invocations (Lambda bills duration). */
  ms: number;
}

export interface AppStack {
  readonly api: string;
  readonly ws: string;
  readonly managementEndpoint: string;
  readonly tableName: string;
  readonly dynamoEndpoint: string;
  readonly pool: UserPool;
  /** The gateway now running (a new object after `restartGateway`). */
  gateway(): Gateway;
  /** Stop the gateway (closing every socket, running `$disconnect`) and start it on the same ports. */
  restartGateway(): Promise<void>;
  /** A fresh access token of a demo user (`alice@example.com`, `bob@example.com`, `staff@example.com`). */
  token(email: string): Promise<string>;
  userId(email: string): string;
  /** Handler invocations by handler ref since the last `resetCounts()`. */
  invocations(): Record<string, Invocations>;
  dynamoDbCounts(): DynamoDbCounts | undefined;
  resetCounts(): void;
  stop(): Promise<void>;
}

const routesOf = (routes: Record<string, { handler: string }>) =>
  Object.fromEntries(Object.entries(routes).map(([key, route]) => [key, { handler: route.handler }]));

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
        AuthParameters: { USERNAME: email, PASSWORD: DEMO_PASSWORD },
      }),
    );
    const token = result.AuthenticationResult?.AccessToken;
    if (token === undefined) throw new Error(`no access token for ${email}`);
    return token;
  } finally {
    client.destroy();
  }
}

export async function startAppStack(options: AppStackOptions): Promise<AppStack> {
  const { dynamoEndpoint, cognitoEndpoint } = options;
  const log = options.log ?? (() => undefined);
  const suffix = randomUUID().slice(0, 8);
  const tableName = `reliability-${suffix}`;
  const stops: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  };
  try {
    const [, pool] = await Promise.all([
      createTable({ endpoint: dynamoEndpoint, tableName }),
      ensureUserPool({ endpoint: cognitoEndpoint, poolName: `reliability-${suffix}`, users: demoUsers }),
    ]);
    const counting = options.countDynamoDb ? await startDynamoDbCountingProxy(dynamoEndpoint) : undefined;
    if (counting) stops.push(() => counting.stop());

    // What SST links give the handlers on AWS (startLocalStack sets the same), before any import.
    Object.assign(process.env, {
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
      SST_RESOURCE_App: JSON.stringify({ name: "live-orders", stage: "local" }),
      SST_RESOURCE_Table: JSON.stringify({ name: tableName }),
      SST_RESOURCE_UserPool: JSON.stringify({ id: pool.userPoolId }),
      SST_RESOURCE_WebClient: JSON.stringify({ id: pool.userPoolClientId }),
      LIVE_ORDERS_DYNAMODB_ENDPOINT: counting?.url ?? dynamoEndpoint,
      LIVE_ORDERS_COGNITO_ISSUER: pool.issuer,
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? "SILENT",
      ...options.env,
    });

    const baseLoader = createHandlerLoader({ rootDir, log });
    stops.push(() => baseLoader.close());
    let invocations = new Map<string, Invocations>();
    const loader: HandlerLoader = {
      load: (ref) => baseLoader.load(ref),
      close: () => baseLoader.close(),
      async invoke(ref, event) {
        const started = performance.now();
        try {
          return await baseLoader.invoke(ref, event);
        } finally {
          const entry = invocations.get(ref) ?? { count: 0, ms: 0 };
          entry.count += 1;
          entry.ms += performance.now() - started;
          invocations.set(ref, entry);
        }
      },
    };

    const gatewayOptions = {
      loader,
      log,
      webSocket: {
        routes: routesOf(webSocketApi.routes),
        authorizer: { handler: webSocketApi.authorizer.handler, identitySources: webSocketApi.authorizer.identitySources },
        idleTimeoutMs: options.webSocket?.idleTimeoutMs,
        maxConnectionMs: options.webSocket?.maxConnectionMs,
      },
      http: {
        routes: routesOf(httpApi.routes),
        jwt: { issuer: pool.issuer, audiences: [pool.userPoolClientId], jwksUri: pool.jwksUri },
        cors: httpApi.cors,
      },
    };
    let gateway: Gateway = await startGateway(gatewayOptions);
    stops.push(() => gateway.stop());
    const ports = { http: Number(new URL(gateway.httpUrl).port), ws: Number(new URL(gateway.managementEndpoint).port) };
    process.env.SST_RESOURCE_Realtime = JSON.stringify({ url: gateway.wsUrl, managementEndpoint: gateway.managementEndpoint });

    const poller: StreamPoller = startStreamPoller({
      endpoint: dynamoEndpoint,
      tableName,
      handler: streamSubscriber.handler,
      loader,
      batchSize: streamSubscriber.batchSize,
      filters: streamSubscriber.filters,
      log,
    });
    stops.push(() => poller.stop());
    await poller.ready;

    const ids = new Map(pool.users.map((user) => [user.email, user.userId]));
    return {
      api: gateway.httpUrl,
      ws: gateway.wsUrl,
      managementEndpoint: gateway.managementEndpoint,
      tableName,
      dynamoEndpoint,
      pool,
      gateway: () => gateway,
      async restartGateway() {
        await gateway.stop();
        // The port was just freed; another process could take it in between only by accident.
        gateway = await startGateway({ ...gatewayOptions, httpPort: ports.http, wsPort: ports.ws });
      },
      token: (email) => signIn(cognitoEndpoint, pool.userPoolClientId, email),
      userId(email) {
        const id = ids.get(email);
        if (id === undefined) throw new Error(`unknown user ${email}`);
        return id;
      },
      invocations: () => Object.fromEntries([...invocations].map(([ref, entry]) => [ref, { ...entry }])),
      dynamoDbCounts: () => counting?.counts(),
      resetCounts() {
        invocations = new Map();
        counting?.reset();
        gateway.resetCounts();
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
