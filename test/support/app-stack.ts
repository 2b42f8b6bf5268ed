/**
 * The whole app on the local stack for the benchmarks and the reliability suite: `startLocalStack`
 * (what `npm start` runs) on given emulators, with a fresh table and user pool, plus what they
 * measure through the stack's hooks:
 *  - the gateway itself, to restart it on the same ports (chaos) and read its meters (cost);
 *  - every handler invocation counted and timed (Lambda cost), through the loader wrapper;
 *  - optionally the handlers' DynamoDB traffic through a counting proxy (capacity units as
 *    DynamoDB reports them, `ReturnConsumedCapacity: INDEXES`).
 * No mocks: DynamoDB Local, cognito-local, the local API Gateway, the stream poller and the
 * app's bundled handlers, with real Cognito tokens.
 */
import { randomUUID } from "node:crypto";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { UserPool } from "@live-orders/local/cognito/user-pool";
import type { Gateway } from "@live-orders/local/gateway/index";
import { startLocalStack } from "@live-orders/local/stack/local-stack";
import { observeInvocations } from "@live-orders/local/stack/observed-loader";
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

export async function startAppStack(options: AppStackOptions): Promise<AppStack> {
  const { dynamoEndpoint, cognitoEndpoint } = options;
  const suffix = randomUUID().slice(0, 8);
  let counting: Awaited<ReturnType<typeof startDynamoDbCountingProxy>> | undefined;
  let invocations = new Map<string, Invocations>();
  try {
    const stack = await startLocalStack({
      rootDir,
      dynamoEndpoint,
      cognitoEndpoint,
      tableName: `reliability-${suffix}`,
      poolName: `reliability-${suffix}`,
      web: false,
      seed: false,
      webSocket: options.webSocket,
      log: options.log ?? (() => undefined),
      handlerEnv: { POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? "SILENT", ...options.env },
      handlerEndpoints: options.countDynamoDb
        ? { dynamodb: async (endpoint) => (counting = await startDynamoDbCountingProxy(endpoint)).url }
        : undefined,
      wrapLoader: (loader) =>
        observeInvocations(loader, (ref) => (ms) => {
          const entry = invocations.get(ref) ?? { count: 0, ms: 0 };
          entry.count += 1;
          entry.ms += ms;
          invocations.set(ref, entry);
        }),
    });
    const { outputs, pool } = stack;
      return {
      api: outputs.api,
      ws: outputs.ws,
      managementEndpoint: outputs.wsManagementEndpoint,
      tableName: outputs.table,
      dynamoEndpoint,
      pool,
      gateway: () => stack.gateway(),
      restartGateway: () => stack.restartGateway(),
      token: (email) => stack.token(email),
      userId: (email) => stack.userId(email),
      invocations: () => Object.fromEntries([...invocations].map(([ref, entry]) => [ref, { ...entry }])),
      dynamoDbCounts: () => counting?.counts(),
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
