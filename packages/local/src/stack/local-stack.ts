import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { LocalApp, LocalFunction, LocalResources, StreamFailureHandling } from "../app";
import { describeCodeDelivery, startCognitoLocal } from "../cognito/cognito-local";
import { ensureUserPool, type TokenValidity, type UserPool } from "../cognito/user-pool";
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
import type { ConcurrencySettings } from "../lambda/function-pool";
import type { HandlerLoader } from "../lambda/handler-loader";
import type { InvocationReport } from "../lambda/invocation-report";
import { createRuntimeProcess, type HandlerEnvironment, type LambdaRuntime } from "../lambda/runtime-process";
import { failureDirectory } from "../streams/failure-directory";
import { startStreamPoller } from "../streams/stream-poller";
import { createInvocationLog, type ReportVerbosity } from "./invocation-log";
import { assertPortFree, resolvePort } from "./ports";
import { runScript } from "./run-script";
import { signIn } from "./sign-in";
import { Supervisor } from "./supervisor";
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
  /** The app: its routes, table, stream subscriber, users, handler environment, hooks (its `local.config.ts`). */
  app: LocalApp;
  /** The app's root: handler refs and the web app are resolved from it. */
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
  /** Start Vite for the app's web client (`app.web`). Default true. */
  web?: boolean;
  /** Reload handler code on save. Default false. */
  watch?: boolean;
  /** Open the Node inspector of the handlers' runtime process on 127.0.0.1:port. */
  inspectPort?: number;
  /** Run the app's `seed` hook. Default true. */
  seed?: boolean;
  /**
   * Execution environments per function (reserved concurrency over the app's, local bound, idle
   * timeout). Every function of the app gets one environment at start, in the background
   * (`prewarm: false` leaves every first invocation a cold start).
   */
  lambda?: Omit<ConcurrencySettings, "prewarm"> & { prewarm?: boolean };
  /** Which invocation reports the log shows (the log file, under `dataDir`, gets all). Default `default`. */
  reports?: ReportVerbosity;
  /** Every invocation's report, as it is made (tests, tools). */
  onReport?: (report: InvocationReport) => void;
  webSocket?: { idleTimeoutMs?: number; maxConnectionMs?: number };
  tokenValidity?: Partial<TokenValidity>;
  /**
   * The stream poller's retry bounds instead of the route table's (tests that give up on a
   * failing record sooner than after 10 retries).
   */
  streamFailureHandling?: StreamFailureHandling;
  /**
   * An emulator the stack started keeps dying (the supervisor restarts one that exits, a few
   * times): the message says which and why. `npm start` stops everything then. Default: logged.
   */
  onFatal?: (message: string) => void;
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
  /** The app's users with their ids. */
  users: UserPool["users"];
  pool: UserPool;
  /** What the stack runs, as the app's `environment` and `web` hooks were given it. */
  resources: LocalResources;
  /** A fresh access token of one of the app's users (password sign-in). */
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
  /**
   * The stream subscriber's on-failure destination: the directory where the stream poller puts
   * the ranges of records it gave up on (`<dataDir>/fan-out-failures`, or a temporary one), as
   * Lambda sends them to the `FanOutFailures` queue on AWS; `npm run replay-fan-out -- --local`
   * re-drives them.
   */
  fanOutFailures: string;
  /** The gateway now running (a new object after `restartGateway`): its meters. */
  gateway(): Gateway;
  /** Stop the gateway (closing every socket, running `$disconnect`) and start it again on the same ports. */
  restartGateway(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The whole local stack of an app, in dependency order, each step timed and each taking what the
 * steps before it produced: the emulators, the table and the user pool, the Lambda runtime and the
 * local API Gateway with the app's route tables, the handlers' environment (which needs both),
 * the app's seed hook, the stream poller with the app's subscriber, Vite. On any failure what was
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
    const webPort = settings.web && settings.app.web ? await resolvePort(settings.ports.web) : undefined;
    const resources = stackResources(settings, {
      emulators,
      pool,
      gateway: gateway.current(),
      webOrigins: webPort === undefined ? [] : webOriginsOf(webPort),
    });
    const environment = await handlerEnvironment(settings, resources);
    await startLambdaRuntime(settings, runtime, environment);
    if (settings.seed) await seedAppData(settings, { environment, pool, resources });
    const fanOutFailures = await startStreamSubscriber(settings, { emulators, loader }, parts);
    const web = webPort === undefined ? "" : await startWebApp(settings, resources, webPort, parts);
    const outputs = writeOutputs(settings, { web, emulators, pool, gateway: gateway.current() });
    return runningStack({
      settings,
      outputs,
      pool,
      loader,
      gateway,
      environment,
      resources,
      fanOutFailures,
      stop: () => parts.stopAll(),
    });
  } catch (error) {
    await parts.stopAll();
    throw error;
  }
}

interface StackSettings {
  app: LocalApp;
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
    app: options.app,
    rootDir: resolve(options.rootDir),
    dataDir,
    logDir: dataDir ? join(dataDir, "logs") : undefined,
    ports: options.ports ?? {},
    tableName: options.tableName ?? DEFAULT_TABLE_NAME,
    poolName: options.poolName ?? DEFAULT_POOL_NAME,
    seed: (options.seed ?? true) && options.app.seed !== undefined,
    web: (options.web ?? true) && options.app.web !== undefined,
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

/**
 * DynamoDB Local and cognito-local, in parallel (or the running ones the options name), each
 * under the supervisor: one that exits is named, its log tail shown, and it is started again on
 * the same port with the same data.
 */
async function startEmulators(settings: StackSettings, parts: StartedParts): Promise<Emulators> {
  const { options, ports, dataDir, logDir, log } = settings;
  // A temporary cognito-local dir is removed after the supervisor has stopped its process.
  const temporaryDir = !dataDir && !options.cognitoEndpoint;
  const cognitoDir = temporaryDir
    ? mkdtempSync(join(tmpdir(), "live-orders-cognito-"))
    : join(dataDir ?? "", "cognito");
  if (temporaryDir) parts.add(async () => rmSync(cognitoDir, { recursive: true, force: true }));
  const supervisor = new Supervisor({ log, onGiveUp: options.onFatal ?? ((message) => log(`  ✗ ${message}`)) });
  parts.add(() => supervisor.stopAll());
  const dynamodb = async () => {
    let port = ports.dynamodb ?? 0;
    const logFile = logDir ? join(logDir, "dynamodb.log") : undefined;
    const running = await supervisor.supervise({
      name: PartName.dynamodb,
      logFile,
      async start() {
        const dynamo = await startDynamoDbLocal({
          port,
          dataDir: dataDir ? join(dataDir, "dynamodb") : undefined,
          logFile,
        });
        port = dynamo.port; // a restart keeps the endpoint every client has
        return dynamo;
      },
    });
    return running.current().endpoint;
  };
  const cognito = async () => {
    let port = ports.cognito ?? 0;
    const logFile = logDir ? join(logDir, "cognito.log") : undefined;
    const running = await supervisor.supervise({
      name: PartName.cognito,
      logFile,
      async start() {
        const started = await startCognitoLocal({
          port,
          dataDir: cognitoDir,
          logFile,
          // Sign-up and password reset work locally: the codes go to this terminal, not to a mailbox.
          onCodeDelivery: (delivery) => settings.log(describeCodeDelivery(delivery)),
        });
        port = started.port;
        return started;
      },
    });
    return running.current().endpoint;
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
      () => createTable({ endpoint: emulators.dynamoEndpoint, tableName, definition: settings.app.table }),
      () => tableName,
    ),
    settings.step(
      "user pool",
      () =>
        ensureUserPool({
          endpoint: emulators.cognitoEndpoint,
          poolName: settings.poolName,
          users: settings.app.users ?? [],
          tokenValidity: settings.options.tokenValidity,
        }),
      (p) => `${p.userPoolId} (${p.users.length} users)`,
    ),
  ]);
  return pool;
}

/**
 * The handlers' process, as on Lambda; it runs once `startLambdaRuntime` gives it its environment.
 * Its reports go to the log (as `reports` says) and to `<dataDir>/logs/lambda.log`. Under a
 * debugger each function has one environment, so a breakpoint stops the only one.
 */
function createLambdaRuntime(settings: StackSettings, parts: StartedParts): LambdaRuntime {
  const { rootDir, options, log, app, logDir } = settings;
  const invocationLog = createInvocationLog({
    log,
    file: logDir ? join(logDir, "lambda.log") : undefined,
    verbosity: options.reports,
    isQuiet: app.quietReports,
  });
  const runtime = createRuntimeProcess({
    rootDir,
    watch: options.watch ?? false,
    inspectPort: options.inspectPort,
    bundledScopes: app.bundledScopes ?? [],
    reservedConcurrency: { ...app.reservedConcurrency, ...options.lambda?.reservedConcurrency },
    maxEnvironments: options.inspectPort === undefined ? options.lambda?.maxEnvironments : 1,
    idleTimeoutMs: options.lambda?.idleTimeoutMs,
    prewarm: options.lambda?.prewarm === false ? [] : functionsOf(app),
    log,
    onReport: (report) => {
      invocationLog.write(report);
      options.onReport?.(report);
    },
    onReload: (files) =>
      log(`  ↻ handler code reloaded (${files.map((file) => file.replace(`${rootDir}/`, "")).join(", ")})`),
  });
  parts.add(() => invocationLog.close());
  parts.add(() => runtime.close());
  return runtime;
}

/** The running gateway, which after `restart` is not the first one. */
interface RestartableGateway {
  current(): Gateway;
  /** Stop the gateway and start it again on the same ports. */
  restart(): Promise<void>;
}

/** The local API Gateway with the app's route tables: the WebSocket API and the HTTP API. */
async function startApiGateway(
  settings: StackSettings,
  { loader, pool }: { loader: HandlerLoader; pool: UserPool },
  parts: StartedParts,
): Promise<RestartableGateway> {
  const { options, ports, log, app } = settings;
  const authorizer = app.webSocket?.authorizer;
  const gatewayOptions = {
    loader,
    log,
    region: LOCAL_REGION,
    webSocket: {
      routes: mapRoutes(app.webSocket?.routes ?? {}),
      authorizer: authorizer && { handler: authorizer.handler, identitySources: authorizer.identitySources },
      idleTimeoutMs: options.webSocket?.idleTimeoutMs,
      maxConnectionMs: options.webSocket?.maxConnectionMs,
    },
    http: {
      routes: mapRoutes(app.http?.routes ?? {}),
      jwt: { issuer: pool.issuer, audiences: [pool.userPoolClientId], jwksUri: pool.jwksUri },
      cors: app.http?.cors,
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

/** What runs, as the app's hooks see it (the web client gets these; the handlers get `handlerResources`). */
function stackResources(
  { app, tableName }: StackSettings,
  {
    emulators,
    pool,
    gateway,
    webOrigins,
  }: { emulators: Emulators; pool: UserPool; gateway: Gateway; webOrigins: readonly string[] },
): LocalResources {
  return {
    appName: app.name,
    stage: "local",
    region: LOCAL_REGION,
    tableName,
    dynamoEndpoint: emulators.dynamoEndpoint,
    userPoolId: pool.userPoolId,
    userPoolClientId: pool.userPoolClientId,
    issuer: pool.issuer,
    cognitoEndpoint: emulators.cognitoEndpoint,
    httpUrl: gateway.httpUrl,
    wsUrl: gateway.wsUrl,
    managementEndpoint: gateway.managementEndpoint,
    webOrigins,
  };
}

/**
 * The handlers' environment: the local region and keys, then what the app's `environment` makes of
 * the resources (SST links as `SST_RESOURCE_*`, its own endpoint overrides), then `handlerEnv` over
 * them. The handlers' DynamoDB and `@connections` endpoints go through `handlerEndpoints` when
 * given (counting proxies).
 */
async function handlerEnvironment(
  { app, options }: StackSettings,
  resources: LocalResources,
): Promise<HandlerEnvironment> {
  const dynamoEndpoint =
    (await options.handlerEndpoints?.dynamodb?.(resources.dynamoEndpoint)) ?? resources.dynamoEndpoint;
  const managementEndpoint =
    (await options.handlerEndpoints?.management?.(resources.managementEndpoint)) ?? resources.managementEndpoint;
  return {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    ...app.environment({ ...resources, dynamoEndpoint, managementEndpoint }),
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
      // Bundled now, so that the first event does not wait for esbuild.
      const subscriber = settings.app.streamSubscriber;
      if (subscriber) await runtime.load(subscriber.handler);
    },
    () => "an execution environment per concurrent invocation",
  );
}

/**
 * The app's seed hook, before the poller starts (at LATEST): no one can be subscribed yet, so
 * fanning demo history out would only be log noise.
 */
async function seedAppData(
  settings: StackSettings,
  { environment, pool, resources }: { environment: HandlerEnvironment; pool: UserPool; resources: LocalResources },
): Promise<void> {
  const seed = settings.app.seed;
  if (!seed) return;
  await settings.step(
    "demo data",
    () =>
      seed({
        resources,
        users: pool.users,
        environment,
        runScript: (ref, ...args) => runScript({ rootDir: settings.rootDir, environment, ref, args }),
      }),
    () => `${pool.users.length} users`,
  );
}

/**
 * The stream poller, the local event source mapping, with the app's stream subscriber and its
 * failure handling as on AWS (the route table's bounds; ranges given up go to a directory
 * standing in for the failure queue). Returns that directory.
 */
async function startStreamSubscriber(
  settings: StackSettings,
  { emulators, loader }: { emulators: Emulators; loader: HandlerLoader },
  parts: StartedParts,
): Promise<string> {
  const { dataDir, options } = settings;
  const failures = dataDir ? join(dataDir, "fan-out-failures") : mkdtempSync(join(tmpdir(), "local-stack-failures-"));
  if (!dataDir) parts.add(async () => rmSync(failures, { recursive: true, force: true }));
  const subscriber = settings.app.streamSubscriber;
  if (!subscriber) return failures;
  const bounds = { ...subscriber.failureHandling, ...options.streamFailureHandling };
  await settings.step(
    "stream poller",
    async () => {
      const poller = startStreamPoller({
        endpoint: emulators.dynamoEndpoint,
        tableName: settings.tableName,
        handler: subscriber.handler,
        loader,
        batchSize: subscriber.batchSize,
        filters: subscriber.filters,
        bisectBatchOnFunctionError: bounds.bisectBatchOnFunctionError,
        maxRetries: bounds.maximumRetryAttempts,
        maximumRecordAgeSeconds: bounds.maximumRecordAgeInSeconds,
        onFailure: failureDirectory(failures),
        log: settings.log,
      });
      parts.add(() => poller.stop());
      await poller.ready;
    },
    () => subscriber.name ?? subscriber.handler,
  );
  return failures;
}

/** Vite for the app's web client, configured with the local endpoints, on `port`; returns its URL. */
async function startWebApp(
  settings: StackSettings,
  resources: LocalResources,
  port: number,
  parts: StartedParts,
): Promise<string> {
  const web = settings.app.web;
  if (!web) return "";
  const vite = await settings.step(
    PartName.web,
    async () => {
      const server = await startViteDevServer({
        webRoot: join(settings.rootDir, web.root),
        port,
        logFile: settings.logDir ? join(settings.logDir, "web.log") : undefined,
        env: web.environment(resources),
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
  settings: StackSettings;
  resources: LocalResources;
  outputs: Outputs;
  pool: UserPool;
  loader: HandlerLoader;
  gateway: RestartableGateway;
  environment: HandlerEnvironment;
  fanOutFailures: string;
  stop: () => Promise<void>;
}): LocalStack {
  const { outputs, pool } = o;
  return {
    outputs,
    users: pool.users,
    pool,
    resources: o.resources,
    token(email) {
      const user = o.settings.app.users?.find((candidate) => candidate.email === email);
      if (user === undefined) return Promise.reject(new Error(`unknown user ${email}`));
      return signIn(outputs.cognitoEndpoint, pool.userPoolClientId, email, user.password);
    },
    userId(email) {
      const user = pool.users.find((candidate) => candidate.email === email);
      if (user === undefined) throw new Error(`unknown user ${email}`);
      return user.userId;
    },
    loader: o.loader,
    handlerEnvironment: o.environment,
    fanOutFailures: o.fanOutFailures,
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

/** Every function the app's route tables and stream subscriber name. */
function functionsOf(app: LocalApp): string[] {
  const refs = [
    ...Object.values(app.webSocket?.routes ?? {}),
    ...(app.webSocket?.authorizer ? [app.webSocket.authorizer] : []),
    ...Object.values(app.http?.routes ?? {}),
    ...(app.streamSubscriber ? [app.streamSubscriber] : []),
  ].map((fn) => fn.handler);
  return [...new Set(refs)];
}

/** The origins a browser shows the Vite dev server under (it listens on 127.0.0.1; `localhost` resolves there). */
function webOriginsOf(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
}

function mapRoutes(
  routes: Readonly<Record<string, LocalFunction & { authorizationScopes?: readonly string[] }>>,
): Record<string, { handler: string; authorizationScopes?: readonly string[] }> {
  return Object.fromEntries(
    Object.entries(routes).map(([key, route]) => [
      key,
      route.authorizationScopes === undefined
        ? { handler: route.handler }
        : { handler: route.handler, authorizationScopes: route.authorizationScopes },
    ]),
  );
}

/** A gateway listen error as the port error it is, naming the part and its env var. */
function portError(error: unknown, ports: Partial<Record<StackPart, number>>): LocalStackError | undefined {
  const e = error as NodeJS.ErrnoException & { port?: number };
  if (e?.code !== "EADDRINUSE") return undefined;
  const part = e.port === ports.ws ? "ws" : "http";
  return new PortInUseError({ port: e.port ?? ports[part] ?? 0, part: PartName[part], envVar: PortEnv[part] });
}
