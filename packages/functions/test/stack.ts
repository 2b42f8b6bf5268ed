/**
 * The app on the local stack for the functions' end-to-end integration tests: `startLocalStack`
 * (what `npm start` runs) on the run's DynamoDB Local and cognito-local from the global setup,
 * with a fresh table and user pool per test file. Clients are real `ws` sockets and `fetch` with
 * real cognito-local tokens. The cost test sees inside through the stack's hooks: a wrapped
 * loader (invocations) and handler endpoints behind counting proxies.
 */
import { randomUUID } from "node:crypto";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { inject } from "vitest";
import { DEMO_PASSWORD, demoUsers, type DemoUser, type UserPool } from "@live-orders/local/cognito/user-pool";
import type { HandlerLoader } from "@live-orders/local/lambda/handler-loader";
import { type LocalStackOptions, startLocalStack } from "@live-orders/local/stack/local-stack";

declare module "vitest" {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    cognitoEndpoint: string;
  }
}

export const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const password = DEMO_PASSWORD;
export const users: readonly DemoUser[] = demoUsers;

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

export interface TestStackOptions extends Pick<LocalStackOptions, "wrapLoader" | "handlerEndpoints" | "log"> {
  /** More handler environment; POWERTOOLS_LOG_LEVEL defaults to SILENT. */
  env?: Record<string, string>;
  /** Seed the demo orders. Default false: tests make their own data. */
  seed?: boolean;
}

export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const dynamoEndpoint = inject("dynamoEndpoint");
  const cognitoEndpoint = inject("cognitoEndpoint");
  const suffix = randomUUID().slice(0, 8);
  const stack = await startLocalStack({
    rootDir,
    dynamoEndpoint,
    cognitoEndpoint,
    tableName: `e2e-${suffix}`,
    poolName: `e2e-${suffix}`,
    web: false,
    seed: options.seed ?? false,
    log: options.log ?? (() => undefined),
    wrapLoader: options.wrapLoader,
    handlerEndpoints: options.handlerEndpoints,
    handlerEnv: { POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? "SILENT", ...options.env },
  });
  const { outputs, pool } = stack;
  return {
    api: outputs.api,
    ws: outputs.ws,
    managementEndpoint: outputs.wsManagementEndpoint,
    tableName: outputs.table,
    dynamoEndpoint,
    cognitoEndpoint,
    pool,
    loader: stack.loader,
    token: (email) => stack.token(email),
    userId: (email) => stack.userId(email),
    stop: () => stack.stop(),
  };
}
