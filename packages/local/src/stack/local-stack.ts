import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { httpApi, streamSubscriber, webSocketApi } from "@live-orders/functions/routes";
import { startCognitoLocal } from "../cognito/cognito-local";
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
import { createTable, startDynamoDbLocal } from "../dynamodb/dynamodb-local";
import { type LocalStackError, PortInUseError } from "../errors";
import { type Gateway, startGateway } from "../gateway/index";
import type { HandlerLoader } from "../lambda/handler-loader";
import { createRuntimeProcess, type HandlerEnvironment, type LambdaRuntime } from "../lambda/runtime-process";
import type { FilterPattern } from "../streams/filter-pattern";
import { startStreamPoller } from "../streams/stream-poller";
import { assertPortFree, resolvePort } from "./ports";
import { seedDemoData } from "./seed-demo-data";
import { signIn } from "./sign-in";
import { startViteDevServer } from "./vite-dev-server";

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
  /** Seed the demo orders (core's `seedDemoData`). Default true. */
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
  /**
   * The environment the handlers run with (SST links as `SST_RESOURCE_*`, the local endpoints,
   * `handlerEnv`): what a process needs to call core as a handler does.
   */
  handlerEnvironment: HandlerEnvironment;
  /** The gateway now running (a new object after `restartGateway`): its meters. */
  gateway(): Gateway;
  /** Stop the gateway (closing every socket, running `$disconnect`) and start it again on the same ports. */
  restartGateway(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The whole local stack, in dependency order, each step timed and each taking what the steps
 * before it produced: the emulators, the table and the user pool, the Lambda runtime and the
 * local API Gateway with the app's route table, the handlers' environment (which needs both),
 * the demo data, the stream poller with the app's subscriber, Vite. On any failure what was
 * started is stopped before the error propagates.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const settings = stackSettings(options);
  const parts = new StartedParts(settings.log);
  try {
    await assertOwnPortsFree(settings);
    const emulators = await startEmulators(settings, parts);
    const pool = await createTableAndUserPool(settings, emulators);
    const runtime = createLambdaRuntime(settings, parts);
    const loader = options.wrapLoader?.(runtime) ?? runtime;
    const gateway = await startApiGateway(settings, { loader, pool }, parts);
    // The web app's port is fixed before the handlers start: the `$connect` authorizer admits
    // browsers of its origin only.
    const webPort = settings.web ? await resolvePort(settings.ports.web) : undefined;
    const environment = await handlerEnvironment(settings, {
      emulators,
      gateway: gateway.current(),
      webOrigins: webPort === undefined ? [] : webOriginsOf(webPort),
    });
    await startLambdaRuntime(settings, runtime, environment);
    if (settings.seed) await seedDemoOrders(settings, { environment, pool });
    await startStreamSubscriber(settings, { emulators, loader }, parts);
    const web =
      webPort === undefined
        ? ""
        : await startWebApp(settings, { emulators, pool, gateway: gateway.current(), port: webPort }, parts);
    const outputs = writeOutputs(settings, { web, emulators, pool, gateway: gateway.current() });
    return runningStack({ outputs, pool, loader, gateway, environment, stop: () => parts.stopAll() });
  } catch (error) {
    await parts.stopAll();
    throw error;
  }
}

interface StackSettings {
  rootDir: string;
  dataDir: string | undefined;
  logDir: string | undefined;
  ports: Partial<Record<StackPart, number>>;
  tableName: string;
  poolName: string;
  seed: boolean;
  web: boolean;
  options: LocalStackOptions;
  log: (line: string) => void;
  /** Runs one step and prints its progress line: `✓ part  1.2 s  detail`. */
  step<T>(part: string, start: () => Promise<T>, detail?: (value: T) => string): Promise<T>;
}

function stackSettings(options: LocalStackOptions): StackSettings {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const dataDir = options.dataDir ? resolve(options.dataDir) : undefined;
  return {
    rootDir: resolve(options.rootDir),
    dataDir,
    logDir: dataDir ? join(dataDir, "logs") : undefined,
    ports: options.ports ?? {},
    tableName: options.tableName ?? DEFAULT_TABLE_NAME,
    poolName: options.poolName ?? DEFAULT_POOL_NAME,
    seed: options.seed ?? true,
    web: options.web ?? true,
    options,
    log,
    async step(part, start, detail) {
      const started = performance.now();
      const value = await start();
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      log(`  ✓ ${part.padEnd(22)} ${`${seconds} s`.padStart(7)}   ${detail?.(value) ?? ""}`.trimEnd());
      return value;
    },
  };
}

/** What has been started, stopped in reverse order (once, however often `stopAll` is called). */
class StartedParts {
  private readonly stops: (() => Promise<unknown>)[] = [];
  private stopped: Promise<void> | undefined;
  constructor(private readonly log: (line: string) => void) {}

  add(stop: () => Promise<unknown>): void {
    this.stops.push(stop);
  }

  stopAll(): Promise<void> {
    this.stopped ??= (async () => {
      for (const stop of this.stops.splice(0).reverse()) {
        await stop().catch((error: unknown) => this.log(`while stopping: ${(error as Error).message}`));
      }
    })();
    return this.stopped;
  }
}

/** Ports we must bind ourselves are checked up front: one clear error before anything starts. */
async function assertOwnPortsFree({ ports, web }: StackSettings): Promise<void> {
  for (const part of ["http", "ws", "web"] as const) {
    const port = ports[part];
    if (port && (part !== "web" || web)) await assertPortFree({ port, part: PartName[part], envVar: PortEnv[part] });
  }
}

interface Emulators {
  dynamoEndpoint: string;
  cognitoEndpoint: string;
}

/** DynamoDB Local and cognito-local, in parallel (or the running ones the options name). */
async function startEmulators(settings: StackSettings, parts: StartedParts): Promise<Emulators> {
  const { options, ports, dataDir, logDir } = settings;
  const dynamodb = async () => {
    const dynamo = await startDynamoDbLocal({
      port: ports.dynamodb ?? 0,
      dataDir: dataDir ? join(dataDir, "dynamodb") : undefined,
      logFile: logDir ? join(logDir, "dynamodb.log") : undefined,
    });
    parts.add(() => dynamo.stop());
    return dynamo.endpoint;
  };
  const cognito = async () => {
    const dir = dataDir ? join(dataDir, "cognito") : mkdtempSync(join(tmpdir(), "live-orders-cognito-"));
    if (!dataDir) parts.add(async () => rmSync(dir, { recursive: true, force: true }));
    const started = await startCognitoLocal({
      port: ports.cognito ?? 0,
      dataDir: dir,
      logFile: logDir ? join(logDir, "cognito.log") : undefined,
    });
    parts.add(() => started.stop());
    return started.endpoint;
  };
  const endpoint = (value: string) => value;
  // allSettled: when one fails, the other must have finished starting (and registered its
  // stop) before we clean up, or it would outlive the failed start.
  const [dynamoEndpoint, cognitoEndpoint] = await settledAll([
    options.dynamoEndpoint ?? settings.step(PartName.dynamodb, dynamodb, endpoint),
    options.cognitoEndpoint ?? settings.step(PartName.cognito, cognito, endpoint),
  ]);
  return { dynamoEndpoint, cognitoEndpoint };
}

/** The table from the app's definition and the user pool with the demo users, in parallel. */
async function createTableAndUserPool(settings: StackSettings, emulators: Emulators): Promise<UserPool> {
  const { tableName } = settings;
  const [, pool] = await Promise.all([
    settings.step(
      "table",
      () => createTable({ endpoint: emulators.dynamoEndpoint, tableName }),
      () => tableName,
    ),
    settings.step(
      "user pool",
      () =>
        ensureUserPool({
          endpoint: emulators.cognitoEndpoint,
          poolName: settings.poolName,
          users: demoUsers,
          tokenValidity: settings.options.tokenValidity,
        }),
      (p) => `${p.userPoolId} (${p.users.length} users)`,
    ),
  ]);
  return pool;
}

/** The handlers' process, as on Lambda; it runs once `startLambdaRuntime` gives it its environment. */
function createLambdaRuntime(settings: StackSettings, parts: StartedParts): LambdaRuntime {
  const { rootDir, options, log } = settings;
  const runtime = createRuntimeProcess({
    rootDir,
    watch: options.watch ?? false,
    inspectPort: options.inspectPort,
    log,
    onReload: (files) =>
      log(`  ↻ handler code reloaded (${files.map((file) => file.replace(`${rootDir}/`, "")).join(", ")})`),
  });
  parts.add(() => runtime.close());
  return runtime;
}

/** The running gateway, which after `restart` is not the first one. */
interface RestartableGateway {
  current(): Gateway;
  /** Stop the gateway and start it again on the same ports. */
  restart(): Promise<void>;
}

/** The local API Gateway with the app's route table: the WebSocket API and the HTTP API. */
async function startApiGateway(
  settings: StackSettings,
  { loader, pool }: { loader: HandlerLoader; pool: UserPool },
  parts: StartedParts,
): Promise<RestartableGateway> {
  const { options, ports, log } = settings;
  const gatewayOptions = {
    loader,
    log,
    region: LOCAL_REGION,
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
      routes: Object.fromEntries(
        Object.entries(httpApi.routes).map(([key, route]) => [
          key,
          { handler: route.handler, authorizationScopes: httpApi.authorizer.scopes },
        ]),
      ),
      jwt: { issuer: pool.issuer, audiences: [pool.userPoolClientId], jwksUri: pool.jwksUri },
      cors: httpApi.cors,
    },
  };
  let gateway = await settings.step(
    "API Gateway (local)",
    () =>
      startGateway({ ...gatewayOptions, httpPort: ports.http ?? 0, wsPort: ports.ws ?? 0 }).catch((error: unknown) => {
        throw portError(error, ports) ?? error;
      }),
    (g) => `${g.httpUrl} + ${g.wsUrl}`,
  );
  parts.add(() => gateway.stop());
  const samePorts = { httpPort: Number(new URL(gateway.httpUrl).port), wsPort: Number(new URL(gateway.wsUrl).port) };
  return {
    current: () => gateway,
    async restart() {
      await gateway.stop();
      // The ports were just freed; another process could take them in between only by accident.
      gateway = await startGateway({ ...gatewayOptions, ...samePorts });
    },
  };
}

/**
 * What SST links give the handlers on AWS (`SST_RESOURCE_*`), plus the local endpoints and the
 * local keys, then `handlerEnv` over them. The handlers' DynamoDB and `@connections` endpoints
 * go through `handlerEndpoints` when given (counting proxies).
 */
async function handlerEnvironment(
  { tableName, options }: StackSettings,
  { emulators, gateway, webOrigins }: { emulators: Emulators; gateway: Gateway; webOrigins: readonly string[] },
): Promise<HandlerEnvironment> {
  const dynamoEndpoint =
    (await options.handlerEndpoints?.dynamodb?.(emulators.dynamoEndpoint)) ?? emulators.dynamoEndpoint;
  const managementEndpoint =
    (await options.handlerEndpoints?.management?.(gateway.managementEndpoint)) ?? gateway.managementEndpoint;
  return {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    SST_RESOURCE_App: JSON.stringify({ name: "live-orders", stage: "local" }),
    SST_RESOURCE_Table: JSON.stringify({ name: tableName }),
    SST_RESOURCE_Realtime: JSON.stringify({ url: gateway.wsUrl, managementEndpoint }),
    LIVE_ORDERS_DYNAMODB_ENDPOINT: dynamoEndpoint,
    LIVE_ORDERS_WEB_ORIGINS: webOrigins.join(","),
    ...options.handlerEnv,
  };
}

/** The runtime starts now rather than on the first request (and a debugger can attach before it). */
async function startLambdaRuntime(
  settings: StackSettings,
  runtime: LambdaRuntime,
  environment: HandlerEnvironment,
): Promise<void> {
  await settings.step(
    "Lambda runtime",
    async () => {
      runtime.start(environment);
      await runtime.load(streamSubscriber.handler);
    },
    () => "handlers in their own process",
  );
}

/**
 * Seeded before the poller starts (at LATEST): no one can be subscribed yet, so fanning the demo
 * history out would only be log noise.
 */
async function seedDemoOrders(
  settings: StackSettings,
  { environment, pool }: { environment: HandlerEnvironment; pool: UserPool },
): Promise<void> {
  await settings.step(
    "demo data",
    () => seedDemoData({ rootDir: settings.rootDir, environment, users: pool.users }),
    () => `${pool.users.length} users' orders`,
  );
}

/** The stream poller, the local event source mapping, with the app's stream subscriber. */
async function startStreamSubscriber(
  settings: StackSettings,
  { emulators, loader }: { emulators: Emulators; loader: HandlerLoader },
  parts: StartedParts,
): Promise<void> {
  await settings.step(
    "stream poller",
    async () => {
      const poller = startStreamPoller({
        endpoint: emulators.dynamoEndpoint,
        tableName: settings.tableName,
        handler: streamSubscriber.handler,
        loader,
        batchSize: streamSubscriber.batchSize,
        filters: streamSubscriber.filters as unknown as readonly FilterPattern[],
        log: settings.log,
      });
      parts.add(() => poller.stop());
      await poller.ready;
    },
    () => streamSubscriber.name,
  );
}

/** Vite for packages/web, configured with the local endpoints; returns its URL. */
async function startWebApp(
  settings: StackSettings,
  { emulators, pool, gateway, port }: { emulators: Emulators; pool: UserPool; gateway: Gateway; port: number },
  parts: StartedParts,
): Promise<string> {
  const vite = await settings.step(
    PartName.web,
    async () => {
      const server = await startViteDevServer({
        webRoot: join(settings.rootDir, "packages", "web"),
        port,
        logFile: settings.logDir ? join(settings.logDir, "web.log") : undefined,
        env: {
          VITE_API_URL: gateway.httpUrl,
          VITE_WS_URL: gateway.wsUrl,
          VITE_USER_POOL_ID: pool.userPoolId,
          VITE_USER_POOL_CLIENT_ID: pool.userPoolClientId,
          VITE_REGION: LOCAL_REGION,
          VITE_COGNITO_ENDPOINT: emulators.cognitoEndpoint,
        },
      });
      parts.add(() => server.stop());
      return server;
    },
    (v) => v.url,
  );
  return vite.url;
}

/** The outputs, written to `<dataDir>/outputs.json` when the stack keeps its data. */
function writeOutputs(
  { dataDir, tableName }: StackSettings,
  { web, emulators, pool, gateway }: { web: string; emulators: Emulators; pool: UserPool; gateway: Gateway },
): Outputs {
  const outputs: Outputs = {
    web,
    api: gateway.httpUrl,
    ws: gateway.wsUrl,
    wsManagementEndpoint: gateway.managementEndpoint,
    userPoolId: pool.userPoolId,
    userPoolClientId: pool.userPoolClientId,
    cognitoEndpoint: emulators.cognitoEndpoint,
    dynamoEndpoint: emulators.dynamoEndpoint,
    table: tableName,
  };
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, "outputs.json"), `${JSON.stringify(outputs, null, 2)}\n`);
  }
  return outputs;
}

function runningStack(o: {
  outputs: Outputs;
  pool: UserPool;
  loader: HandlerLoader;
  gateway: RestartableGateway;
  environment: HandlerEnvironment;
  stop: () => Promise<void>;
}): LocalStack {
  const { outputs, pool } = o;
  return {
    outputs,
    users: pool.users,
    pool,
    token: (email) => signIn(outputs.cognitoEndpoint, pool.userPoolClientId, email),
    userId(email) {
      const user = pool.users.find((candidate) => candidate.email === email);
      if (user === undefined) throw new Error(`unknown user ${email}`);
      return user.userId;
    },
    loader: o.loader,
    handlerEnvironment: o.environment,
    gateway: () => o.gateway.current(),
    restartGateway: () => o.gateway.restart(),
    stop: o.stop,
  };
}

async function settledAll<T extends readonly unknown[]>(
  promises: readonly [...{ [K in keyof T]: Promise<T[K]> | T[K] }],
): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failed) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** The origins a browser shows the Vite dev server under (it listens on 127.0.0.1; `localhost` resolves there). */
function webOriginsOf(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
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
