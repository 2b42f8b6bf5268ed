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

/** One per-user limit: at most `max` in each fixed window of `windowSeconds` (rate-limit.ts). */
export interface LimitSetting {
  windowSeconds: number;
  max: number;
}

/**
 * The per-user limits (rate-limit.ts), sized so that ordinary use stays far below them
 * (docs/deploy.md, "Limits per user", has the arithmetic) and a runaway loop or a script hits
 * them within seconds. Each `max` can be raised for benchmarks and load tests that push one user
 * on purpose (and lowered by tests): `LIVE_ORDERS_RATE_LIMIT_FRAMES`, `…_CHAT`, `…_ORDERS`,
 * `…_TICKETS`, a number or `unlimited` (not counted at all: no write per event, so a load test
 * does not turn its one user's window item into the hottest key of the table).
 *  - frames: every WebSocket frame of the user over all their connections, valid or not,
 *    `$default` included;
 *  - chatPerOrder: chat messages of the user on one order. Its window is short, so that a
 *    flood never puts more than a handful of one user's messages into an order's seq race at
 *    once (the other side's message must not wait behind them); it divides the frame window,
 *    so both are counted in one write (rate-limit.ts);
 *  - orderPlacements: `POST /orders`;
 *  - tickets: `POST /realtime/tickets` (each is a connect, or a reconnect).
 */
export function limits(): {
  frames: LimitSetting;
  chatPerOrder: LimitSetting;
  orderPlacements: LimitSetting;
  tickets: LimitSetting;
} {
  return {
    frames: { windowSeconds: 10, max: limitMax("LIVE_ORDERS_RATE_LIMIT_FRAMES", 150) },
    chatPerOrder: { windowSeconds: 2, max: limitMax("LIVE_ORDERS_RATE_LIMIT_CHAT", 4) },
    orderPlacements: { windowSeconds: 60, max: limitMax("LIVE_ORDERS_RATE_LIMIT_ORDERS", 20) },
    tickets: { windowSeconds: 60, max: limitMax("LIVE_ORDERS_RATE_LIMIT_TICKETS", 120) },
  };
}

/**
 * Live connections one user may hold at once (SPEC §4): the next `$connect` is refused with 429.
 * `LIVE_ORDERS_MAX_CONNECTIONS_PER_USER` raises it for benchmarks that open thousands of sockets
 * as one user.
 */
export function maxConnectionsPerUser(): number {
  return positiveInteger("LIVE_ORDERS_MAX_CONNECTIONS_PER_USER", 10);
}

/** A connect ticket is valid this long after it was issued (SPEC §4: at most 30 s). */
export const ticketTtlSeconds = 30;

/** A limit's maximum from the environment: a positive integer, or `unlimited` (Infinity). */
function limitMax(name: string, fallback: number): number {
  return process.env[name] === "unlimited" ? Number.POSITIVE_INFINITY : positiveInteger(name, fallback);
}

function positiveInteger(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === "") return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`invalid configuration: ${name}=${value}`);
  return parsed;
}

/** Fan-out: concurrent `@connections` posts per topic (retries: `RetryPolicy.fanOutPost`). */
export const fanOutLimits = {
  concurrency: 25,
  // A subscription item is a few hundred bytes: 1000 per Query page stays far under DynamoDB's
  // 1 MB page, and one Query of 1000 is cheaper than four of 250 (docs/benchmarks.md, "Figures
  // behind choices in the code").
  pageSize: 1000,
  // The first page only: posting starts once it is read, and the rest is read meanwhile. A Query
  // of 1000 took DynamoDB Local 30–50 ms before the first post, one of 100 about 8 ms; on AWS an
  // extra page adds one Query's rounding (≤ 1 RRU) to a fan-out of more than 100 subscribers.
  firstPageSize: 100,
} as const;
