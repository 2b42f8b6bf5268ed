/**
 * Configuration of the core package, read in one place. AWS resource names come only from SST
 * links (`Resource.X`); locally and in tests the same values arrive as `SST_RESOURCE_*` env.
 * Everything is read lazily: importing a module must not require configuration (unit tests,
 * bundling), but a missing value fails loudly with its name at first use.
 */
import { Resource } from "sst";

/** The links this package reads. `Resource` is typed by SST's generated `sst-env.d.ts` on a real
 *  deploy; we do not depend on that file existing, so the shapes we use are stated here. */
interface LinkedResources {
  Table?: { name?: string };
}

function linked(): LinkedResources {
  return Resource as unknown as LinkedResources;
}

function required<T>(value: T | undefined | null | "", name: string): T {
  if (value === undefined || value === null || value === "") {
    throw new Error(`missing configuration: ${name}`);
  }
  return value as T;
}

/** The single DynamoDB table's name (`Resource.Table.name`). */
export function tableName(): string {
  return required(linked().Table?.name, "Resource.Table.name (SST_RESOURCE_Table)");
}

/** Local only: DynamoDB Local's endpoint. Unset on AWS, where the SDK's regional endpoint is right. */
export function dynamoDbEndpoint(): string | undefined {
  const value = process.env.LIVE_ORDERS_DYNAMODB_ENDPOINT;
  return value === undefined || value === "" ? undefined : value;
}

/**
 * API Gateway closes every WebSocket after 2 hours. Connection and subscription items expire a
 * little after that, so a lost `$disconnect` leaves no ghost for long (TTL deletion itself can lag).
 */
export const connectionTtlSeconds = 2 * 60 * 60 + 15 * 60;

/**
 * Per-connection rate limit: frames per fixed window. Generous for people, tight for runaway
 * loops. `LIVE_ORDERS_RATE_LIMIT_FRAMES` overrides the count (benchmarks that push one
 * connection hard raise it; tests lower it).
 */
export function rateLimit(): { windowSeconds: number; maxFramesPerWindow: number } {
  const override = process.env.LIVE_ORDERS_RATE_LIMIT_FRAMES;
  const frames = override === undefined || override === "" ? 50 : Number(override);
  if (!Number.isInteger(frames) || frames < 1) {
    throw new Error(`invalid configuration: LIVE_ORDERS_RATE_LIMIT_FRAMES=${override}`);
  }
  return { windowSeconds: 10, maxFramesPerWindow: frames };
}

/** Fan-out: concurrent `@connections` posts per topic (retries: `RetryPolicy.fanOutPost`). */
export const fanOutLimits = {
  concurrency: 25,
  // A subscription item is a few hundred bytes: 1000 per Query page stays far under DynamoDB's
  // 1 MB page, and one Query of 1000 is cheaper than four of 250 (docs/benchmarks.md, "Figures
  // behind choices in the code").
  pageSize: 1000,
} as const;
