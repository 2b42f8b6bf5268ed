import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { httpApi, streamSubscriber, webSocketApi } from "@live-orders/functions/routes";
import { type CognitoLocal, startCognitoLocal } from "../cognito/cognito-local";
import { demoUsers, ensureUserPool, type TokenValidity, type UserPool } from "../cognito/user-pool";
import {
  DEFAULT_POOL_NAME,
  DEFAULT_TABLE_NAME,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  PartName,
  PortEnv,
  type StackPart,
} from "../config";
import { createTable, type DynamoDbLocal, startDynamoDbLocal } from "../dynamodb/dynamodb-local";
import { LocalStackError, PortInUseError } from "../errors";
import { type Gateway, startGateway } from "../gateway/index";
import type { HandlerLoader } from "../lambda/handler-loader";
import { createRuntimeProcess } from "../lambda/runtime-process";
import type { FilterPattern } from "../streams/filter-pattern";
import { type StreamPoller, startStreamPoller } from "../streams/stream-poller";
import { assertPortFree } from "./ports";
import { signIn } from "./sign-in";
import { startViteDevServer, type ViteDevServer } from "./vite-dev-server";

/** `.local/outputs.json`: what a client (the web app, a test, a benchmark) needs to reach the stack. */
export interface Outputs {
  web: string;
  api: string;
  ws: string;
  wsManagementEndpoint: string;
  userPoolId: string;
  userPoolClientId: string;
  cognitoEndpoint: string;
  dynamoEndpoint: string;
  table: string;
}

export interface LocalStackOptions {
  /** The repository root: handler refs and packages/web are resolved from it. */
  rootDir: string;
  /** Keep data here (`dynamodb/`, `cognito/`, `logs/`, `outputs.json`); undefined: in memory / temp. */
  dataDir?: string;
  /** Port per part; 0 or absent = a free port. */
  ports?: Partial<Record<StackPart, number>>;
  /** Reuse running emulators (tests) instead of starting them. */
  dynamoEndpoint?: string;
  cognitoEndpoint?: string;
  tableName?: string;
  poolName?: string;
  /** Start Vite for packages/web. Default true. */
  web?: boolean;
  /** Reload handler code on save. Default false. */
  watch?: boolean;
  /** Open the Node inspector of the handlers' runtime process on 127.0.0.1:port. */
  inspectPort?: number;
  /** Seed the demo orders (`seedDemoData`). Default true. */
  seed?: boolean;
  webSocket?: { idleTimeoutMs?: number; maxConnectionMs?: number };
  tokenValidity?: Partial<TokenValidity>;
  /** Progress lines, handler reloads, gateway and poller messages. Default: stderr. */
  log?: (line: string) => void;
  /** Wrap the loader every route and the stream subscriber run through (e.g. `observeInvocations`). */
  wrapLoader?: (loader: HandlerLoader) => HandlerLoader;
  /** More handler environment, set after (and over) the SST links (e.g. a log level, a rate limit). */
  handlerEnv?: Record<string, string>;
  /**
   * Endpoints the handlers call instead of the stack's own, given the real one (e.g. counting
   * proxies in front of it). Clients (outputs) and the stream poller keep the real ones.
   */
  handlerEndpoints?: {
    dynamodb?: (endpoint: string) => string | Promise<string>;
    management?: (endpoint: string) => string | Promise<string>;
  };
}

export interface LocalStack {
  outputs: Outputs;
  /** The seeded users with their ids. */
  users: UserPool["users"];
  pool: UserPool;
  /** A fresh access token of a seeded user (password sign-in). */
  token(email: string): Promise<string>;
  /** A seeded user's id (`sub`); throws for anyone else. */
  userId(email: string): string;
  /** The loader the routes use (wrapped when `wrapLoader` was given). */
  loader: HandlerLoader;
  /** The gateway now running (a new object after `restartGateway`): its meters. */
  gateway(): Gateway;
  /** Stop the gateway (closing every socket, running `$disconnect`) and start it again on the same ports. */
  restartGateway(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The whole local stack, in dependency order, each part timed: DynamoDB Local and cognito-local
 * (in parallel), the table and the user pool (in parallel), the handler environment, the local
 * API Gateway with the app's route table, demo data, the stream poller with the app's
 * subscriber, Vite. On any failure what was started is stopped before the error propagates.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const rootDir = resolve(options.rootDir);
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const dataDir = options.dataDir ? resolve(options.dataDir) : undefined;
  const logDir = dataDir ? join(dataDir, "logs") : undefined;
  const ports = options.ports ?? {};
  const tableName = options.tableName ?? DEFAULT_TABLE_NAME;
  const stops: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) {
      await stop().catch((error: unknown) => log(`while stopping: ${(error as Error).message}`));
    }
  };
  const timed = async <T>(part: string, start: () => Promise<T>, detail?: (value: T) => string): Promise<T> => {
    const started = performance.now();
    const value = await start();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    log(`  ✓ ${part.padEnd(22)} ${`${seconds} s`.padStart(7)}   ${detail?.(value) ?? ""}`.trimEnd());
    return value;
  };

  try {
    // Ports we must bind ourselves are checked up front: one clear error before anything starts.
    for (const part of ["http", "ws", "web"] as const) {
      const port = ports[part];
      if (port && (part !== "web" || options.web !== false)) {
        await assertPortFree({ port, part: PartName[part], envVar: PortEnv[part] });
      }
    }

    let cognitoTempDir: string | undefined;
    // allSettled: when one fails, the other must have finished starting (and registered its
    // stop) before we clean up, or it would outlive the failed start.
    const [dynamoEndpoint, cognitoEndpoint] = await settledAll([
      options.dynamoEndpoint ??
        timed(
          PartName.dynamodb,
          async () => {
            const dynamo: DynamoDbLocal = await startDynamoDbLocal({
              port: ports.dynamodb ?? 0,
              dataDir: dataDir ? join(dataDir, "dynamodb") : undefined,
              logFile: logDir ? join(logDir, "dynamodb.log") : undefined,
            });
            stops.push(() => dynamo.stop());
            return dynamo.endpoint;
          },
          (endpoint) => endpoint,
        ),
      options.cognitoEndpoint ??
        timed(
          PartName.cognito,
          async () => {
            const dir = dataDir ? join(dataDir, "cognito") : (cognitoTempDir = mkdtempSync(join(tmpdir(), "live-orders-cognito-")));
            if (cognitoTempDir) stops.push(async () => rmSync(dir, { recursive: true, force: true }));
            const cognito: CognitoLocal = await startCognitoLocal({
              port: ports.cognito ?? 0,
              dataDir: dir,
              logFile: logDir ? join(logDir, "cognito.log") : undefined,
            });
            stops.push(() => cognito.stop());
            return cognito.endpoint;
          },
          (endpoint) => endpoint,
        ),
    ]);

    const [, pool] = await Promise.all([
      timed("table", () => createTable({ endpoint: dynamoEndpoint, tableName }), () => tableName),
      timed(
        "user pool",
        () =>
          ensureUserPool({
            endpoint: cognitoEndpoint,
            poolName: options.poolName ?? DEFAULT_POOL_NAME,
            users: demoUsers,
            tokenValidity: options.tokenValidity,
          }),
        (p) => `${p.userPoolId} (${p.users.length} users)`,
      ),
    ]);

    // What SST links give the handlers on AWS, plus the local endpoints. Set before the handlers'
    // runtime process starts (it takes this environment) and before `Resource` reads them.
    Object.assign(process.env, {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      SST_RESOURCE_App: JSON.stringify({ name: "live-orders", stage: "local" }),
      SST_RESOURCE_Table: JSON.stringify({ name: tableName }),
      SST_RESOURCE_UserPool: JSON.stringify({ id: pool.userPoolId }),
      SST_RESOURCE_WebClient: JSON.stringify({ id: pool.userPoolClientId }),
      LIVE_ORDERS_DYNAMODB_ENDPOINT: (await options.handlerEndpoints?.dynamodb?.(dynamoEndpoint)) ?? dynamoEndpoint,
      LIVE_ORDERS_COGNITO_ISSUER: pool.issuer,
      ...options.handlerEnv,
    });

    // The handlers run in a process of their own, as on Lambda (it starts on the first invocation).
    const baseLoader = createRuntimeProcess({
      rootDir,
      watch: options.watch ?? false,
      inspectPort: options.inspectPort,
      log,
      onReload: (files) =>
        log(`  ↻ handler code reloaded (${files.map((file) => file.replace(`${rootDir}/`, "")).join(", ")})`),
    });
    stops.push(() => baseLoader.close());
    const loader = options.wrapLoader?.(baseLoader) ?? baseLoader;

    const gatewayOptions = {
      loader,
      log,
      webSocket: {
        routes: mapRoutes(webSocketApi.routes),
        authorizer: {
          handler: webSocketApi.authorizer.handler,
          identitySources: webSocketApi.authorizer.identitySources,
        },
        idleTimeoutMs: options.webSocket?.idleTimeoutMs,
        maxConnectionMs: options.webSocket?.maxConnectionMs,
      },
      http: {
        routes: mapRoutes(httpApi.routes),
        jwt: { issuer: pool.issuer, audiences: [pool.userPoolClientId], jwksUri: pool.jwksUri },
        cors: httpApi.cors,
      },
    };
    let gateway: Gateway = await timed(
      "API Gateway (local)",
      () =>
        startGateway({ ...gatewayOptions, httpPort: ports.http ?? 0, wsPort: ports.ws ?? 0 }).catch((error: unknown) => {
          throw portError(error, ports) ?? error;
        }),
      (g) => `${g.httpUrl} + ${g.wsUrl}`,
    );
    // The running gateway, which after `restartGateway` is not the first one.
    stops.push(() => gateway.stop());
    const gatewayPorts = { httpPort: Number(new URL(gateway.httpUrl).port), wsPort: Number(new URL(gateway.wsUrl).port) };
    const managementEndpoint = (await options.handlerEndpoints?.management?.(gateway.managementEndpoint)) ?? gateway.managementEndpoint;
    process.env.SST_RESOURCE_Realtime = JSON.stringify({ url: gateway.wsUrl, managementEndpoint });

    // The runtime starts now, with the environment complete, rather than on the first request
    // (and a debugger can attach before it).
    await timed("Lambda runtime", () => baseLoader.load(streamSubscriber.handler), () => "handlers in their own process");

    // Seeded before the poller starts (at LATEST): no one can be subscribed yet, so fanning the
    // demo history out would only be log noise.
    if (options.seed ?? true) {
      const seeded = await timed(
        "demo data",
        () => seedDemoData(rootDir, pool.users),
        (done) => (done ? `${pool.users.length} users' orders` : "skipped"),
      );
      if (!seeded) log("    (packages/core/src/demo-data.ts does not exist yet: no demo orders)");
    }

    await timed(
      "stream poller",
      async () => {
        const poller: StreamPoller = startStreamPoller({
          endpoint: dynamoEndpoint,
          tableName,
          handler: streamSubscriber.handler,
          loader,
          batchSize: streamSubscriber.batchSize,
          filters: streamSubscriber.filters as unknown as readonly FilterPattern[],
          log,
        });
        stops.push(() => poller.stop());
        await poller.ready;
      },
      () => streamSubscriber.name,
    );

    let web = "";
    if (options.web ?? true) {
      const vite: ViteDevServer = await timed(
        PartName.web,
        async () => {
          const server = await startViteDevServer({
            webRoot: join(rootDir, "packages", "web"),
            port: ports.web ?? 0,
            logFile: logDir ? join(logDir, "web.log") : undefined,
            env: {
              VITE_API_URL: gateway.httpUrl,
              VITE_WS_URL: gateway.wsUrl,
              VITE_USER_POOL_ID: pool.userPoolId,
              VITE_USER_POOL_CLIENT_ID: pool.userPoolClientId,
              VITE_REGION: LOCAL_REGION,
              VITE_COGNITO_ENDPOINT: cognitoEndpoint,
            },
          });
          stops.push(() => server.stop());
          return server;
        },
        (v) => v.url,
      );
      web = vite.url;
    }

    const outputs: Outputs = {
      web,
      api: gateway.httpUrl,
      ws: gateway.wsUrl,
      wsManagementEndpoint: gateway.managementEndpoint,
      userPoolId: pool.userPoolId,
      userPoolClientId: pool.userPoolClientId,
      cognitoEndpoint,
      dynamoEndpoint,
      table: tableName,
    };
    if (dataDir) {
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(join(dataDir, "outputs.json"), `${JSON.stringify(outputs, null, 2)}\n`);
    }
    let stopped: Promise<void> | undefined;
    return {
      outputs,
      users: pool.users,
      pool,
      token: (email) => signIn(cognitoEndpoint, pool.userPoolClientId, email),
      userId(email) {
        const user = pool.users.find((candidate) => candidate.email === email);
        if (user === undefined) throw new Error(`unknown user ${email}`);
        return user.userId;
      },
      loader,
      gateway: () => gateway,
      async restartGateway() {
        await gateway.stop();
        // The ports were just freed; another process could take them in between only by accident.
        gateway = await startGateway({ ...gatewayOptions, ...gatewayPorts });
      },
      stop: () => (stopped ??= stopAll()),
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function settledAll<T extends readonly unknown[]>(
  promises: readonly [...{ [K in keyof T]: Promise<T[K]> | T[K] }],
): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failed) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

function mapRoutes(routes: Record<string, { handler: string }>): Record<string, { handler: string }> {
  return Object.fromEntries(Object.entries(routes).map(([key, route]) => [key, { handler: route.handler }]));
}

/** A gateway listen error as the port error it is, naming the part and its env var. */
function portError(error: unknown, ports: Partial<Record<StackPart, number>>): LocalStackError | undefined {
  const e = error as NodeJS.ErrnoException & { port?: number };
  if (e?.code !== "EADDRINUSE") return undefined;
  const part = e.port === ports.ws ? "ws" : "http";
  return new PortInUseError({ port: e.port ?? ports[part] ?? 0, part: PartName[part], envVar: PortEnv[part] });
}

/**
 * Seeds through the core package's hook (`@live-orders/core/demo-data`, owned by the core
 * package) when it exists; returns false when it does not.
 */
async function seedDemoData(rootDir: string, users: UserPool["users"]): Promise<boolean> {
  if (!existsSync(join(rootDir, "packages", "core", "src", "demo-data.ts"))) return false;
  const specifier = "@live-orders/core/demo-data";
  const module = (await import(specifier)) as { seedDemoData?: (u: UserPool["users"]) => Promise<void> };
  if (typeof module.seedDemoData !== "function") return false;
  await module.seedDemoData(users);
  return true;
}
