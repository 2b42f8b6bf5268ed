/**
 * The app on the local stack for every test and benchmark: `startLocalStack` (what `npm start`
 * runs) on running emulators, with a fresh table and user pool, plus what tests measure through
 * the stack's hooks:
 *  - every handler invocation counted and timed (Lambda bills requests and duration);
 *  - optionally the handlers' DynamoDB traffic through a counting proxy (capacity units as
 *    DynamoDB reports them);
 *  - the gateway itself (`gateway()`: its meters, `restartGateway()` on the same ports).
 * No mocks: DynamoDB Local, cognito-local, the local API Gateway, the stream poller and the app's
 * bundled handlers in their runtime process, with real Cognito tokens.
 */
import { randomUUID } from "node:crypto";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { LOCAL_CONFIG_FILE, loadLocalApp } from "../app";
import type { HandlerLoader } from "../lambda/handler-loader";
import { type LocalStack, type LocalStackOptions, startLocalStack } from "../stack/local-stack";
import { observeInvocations } from "../stack/observed-loader";
import { type DynamoDbCountingProxy, type DynamoDbCounts, startDynamoDbCountingProxy } from "./counting-proxy";

/** The repository root. */
export const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");

export interface AppStackOptions
  extends Pick<
    LocalStackOptions,
    "webSocket" | "tokenValidity" | "ports" | "lambda" | "onReport" | "streamFailureHandling"
  > {
  /** The running emulators (in tests: `runEmulators()`, the global setup's). */
  dynamoEndpoint: string;
  /**
   * The running cognito-local; undefined: the stack starts its own, as `npm start` does, and
   * prints the codes it would e-mail through `log` (a sign-up test reads them there).
   */
  cognitoEndpoint: string | undefined;
  /** Route the handlers' DynamoDB calls through a counting proxy. Default false. */
  countDynamoDb?: boolean;
  /**
   * More handler environment (e.g. LIVE_ORDERS_RATE_LIMIT_FRAMES); POWERTOOLS_LOG_LEVEL defaults
   * to SILENT and POWERTOOLS_METRICS_DISABLED to true.
   */
  env?: Record<string, string>;
  /** Seed the demo orders. Default false: tests make their own data. */
  seed?: boolean;
  /** Start Vite for packages/web. Default false. */
  web?: boolean;
  /** The `@connections` endpoint the handlers call instead of the gateway's, given it (a proxy that injects failures). */
  managementEndpoint?: (endpoint: string) => string | Promise<string>;
  /** Wrap the loader the routes and the stream poller use (inside the invocation counting). */
  wrapLoader?: (loader: HandlerLoader) => HandlerLoader;
  /** The stack's progress and handler log lines. Default: dropped. */
  log?: (line: string) => void;
}

export interface Invocations {
  count: number;
  /** Summed wall time of the invocations (Lambda bills duration). */
  ms: number;
}

/** What the web app's clients (`createOrdersApi`, `RealtimeClient`) take to act as a user. */
export interface ClientOptions {
  apiUrl: string;
  wsUrl: string;
  getToken: (options: { forceRefresh: boolean }) => Promise<string>;
}

export interface AppStack extends LocalStack {
  /** The web clients' options for a demo user: a token per user, signed in again on `forceRefresh`. */
  clientOptions(email: string): ClientOptions;
  /** Handler invocations by handler ref since the last `resetCounts()`. */
  invocations(): Record<string, Invocations>;
  /** How long no handler has been running (0 while one is). */
  idleMs(): number;
  /** What the handlers asked of DynamoDB since the last `resetCounts()` (with `countDynamoDb`). */
  dynamoDbCounts(): DynamoDbCounts | undefined;
  /** A new counting window for invocations, DynamoDB and the gateway's meters. */
  resetCounts(): void;
  /** Pause (false) or resume the DynamoDB counting proxy (`countDynamoDb`): see `DynamoDbCountingProxy.setCounting`. */
  setDynamoDbCounting(enabled: boolean): void;
}

export async function startAppStack(options: AppStackOptions): Promise<AppStack> {
  const suffix = randomUUID().slice(0, 8);
  let counting: DynamoDbCountingProxy | undefined;
  let invocations = new Map<string, Invocations>();
  let running = 0;
  let idleSince = performance.now();
  try {
    const stack = await startLocalStack({
      // This repository's app, as `npm start` runs it.
      app: await loadLocalApp(join(rootDir, LOCAL_CONFIG_FILE)),
      rootDir,
      dynamoEndpoint: options.dynamoEndpoint,
      cognitoEndpoint: options.cognitoEndpoint,
      tableName: `test-${suffix}`,
      poolName: `test-${suffix}`,
      ports: options.ports,
      web: options.web ?? false,
      seed: options.seed ?? false,
      webSocket: options.webSocket,
      tokenValidity: options.tokenValidity,
      lambda: options.lambda,
      onReport: options.onReport,
      log: options.log ?? (() => undefined),
      handlerEnv: {
        POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? "SILENT",
        // The handlers' EMF lines would land in the test report and the bench's tables (stdout).
        POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? "true",
        ...options.env,
      },
      streamFailureHandling: options.streamFailureHandling,
      handlerEndpoints: {
        dynamodb: options.countDynamoDb
          ? async (endpoint) => {
              counting = await startDynamoDbCountingProxy(endpoint);
              return counting.url;
            }
          : undefined,
        management: options.managementEndpoint,
      },
      wrapLoader: (loader) =>
        observeInvocations(options.wrapLoader?.(loader) ?? loader, (ref) => {
          running += 1;
          return (ms) => {
            const entry = invocations.get(ref) ?? { count: 0, ms: 0 };
            entry.count += 1;
            entry.ms += ms;
            invocations.set(ref, entry);
            running -= 1;
            idleSince = performance.now();
          };
        }),
    });
    const tokens = new Map<string, Promise<string>>();
    const token = (email: string, forceRefresh: boolean) => {
      let current = tokens.get(email);
      if (current === undefined || forceRefresh) {
        current = stack.token(email);
        tokens.set(email, current);
        // A failed sign-in is not kept: the next call signs in again.
        current.catch(() => tokens.delete(email));
      }
      return current;
    };
    return {
      ...stack,
      clientOptions: (email) => ({
        apiUrl: stack.outputs.api,
        wsUrl: stack.outputs.ws,
        getToken: ({ forceRefresh }) => token(email, forceRefresh),
      }),
      invocations: () => Object.fromEntries([...invocations].map(([ref, entry]) => [ref, { ...entry }])),
      idleMs: () => (running > 0 ? 0 : performance.now() - idleSince),
      dynamoDbCounts: () => counting?.counts(),
      setDynamoDbCounting: (enabled) => counting?.setCounting(enabled),
      resetCounts() {
        invocations = new Map();
        counting?.reset();
        stack.gateway().resetCounts();
      },
      async stop() {
        await stack.stop();
        await counting?.stop();
      },
    };
  } catch (error) {
    await counting?.stop();
    throw error;
  }
}
