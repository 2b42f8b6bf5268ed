/**
 * Phase "cost": cost per million delivered events on AWS by AWS's billing rules (SPEC §9), from
 * what the fan-out rounds did: DynamoDB request units billed by the rules of
 * packages/local/src/testing/aws-billing.ts from the items each call touched (DynamoDB Local's
 * consumed capacity beside them as a cross-check only), Lambda requests and GB-seconds at each
 * function's configured memory and architecture (infra/function-sizing.ts), the HTTP API request
 * of the REST status change, and WebSocket messages in 32 KB units as the local gateway metered
 * them. Three designs for the same delivered events:
 *  - query-subscribers: this app;
 *  - scan-all-connections: the public samples (a Scan of every connection item per event, a post
 *    to every connection);
 *  - appsync-events: the same write path (REST, table, stream, fan-out function), but the fan-out
 *    publishes once to AppSync Events, which delivers to the subscribers: no subscriber Queries,
 *    no posts; billed per Event API operation (the publish and each delivery, 5 KB units).
 * Connection-minutes do not depend on the event rate: they and the heartbeat are reported per
 * connection-hour (`heartbeat`), not folded into the per-event figure.
 */
import { appFunctions, streamSubscriber } from "@live-orders/functions/routes";
import type { GatewayCounts } from "@live-orders/local/gateway/index";
import type { AppStack, Invocations } from "@live-orders/local/testing/app-stack";
import {
  appSyncEventsOperationUnits,
  dynamoDbDollars,
  itemBytes,
  lambdaDollars,
  prices,
} from "@live-orders/local/testing/aws-billing";
import type { DynamoDbCounts } from "@live-orders/local/testing/counting-proxy";
import { connectionItems } from "@live-orders/local/testing/table";
import { sizingOf } from "../infra/function-sizing";

export { prices };

export interface CountedWindow {
  /** Subscribers that received the event, summed over events (what the clients observed). */
  delivered: number;
  /** Events fanned out (status changes). */
  events: number;
  /** Open connections at the gateway during the window (the scan design reads and posts to all). */
  connections: number;
  /** Bytes of all connection items (what a Scan of the connections would read). */
  connectionItemBytes: number;
  /** Request units by AWS's rules. */
  rru: number;
  wru: number;
  /** DynamoDB Local's consumed capacity for the same calls (cross-check only). */
  localRcu: number;
  localWcu: number;
  /** RRU of the fan-out's subscriber Queries (replaced by the Scan, or by AppSync, in the other designs). */
  subscriberQueryRru: number;
  invocations: number;
  lambdaMs: number;
  /** Lambda dollars at each function's configured memory and architecture. */
  lambdaDollars: number;
  /** Lambda dollars per ms of the fan-out function (its sizing). */
  fanOutDollarsPerMs: number;
  /** HTTP API requests (the REST status changes). */
  httpRequests: number;
  /** Lambda ms of the fan-out handler (it grows with the number of posts). */
  fanOutLambdaMs: number;
  /** Fan-out Lambda ms per post, measured at the largest N (the scan design posts to everyone). */
  perPostMs: number;
  /** The event frame's size (AppSync meters 5 KB units). */
  payloadBytes: number;
  /** Messages API Gateway billed (in 32 KB units), both directions. */
  messageUnits: number;
  /** Of those, deliveries of the event to subscribers. */
  eventMessageUnits: number;
}

export interface CostLine {
  design: "query-subscribers" | "scan-all-connections" | "appsync-events";
  perMillionDelivered: { dynamodb: number; lambda: number; apiGateway: number; appSync: number; total: number };
  perEvent: { rru: number; wru: number; invocations: number; messages: number; appSyncOperations: number };
}

const perMillion = (value: number, delivered: number) => (value / delivered) * 1_000_000;

type Priced = CountedWindow & { appSyncOperations: number };

function line(design: CostLine["design"], w: Priced): CostLine {
  const dynamodb = dynamoDbDollars({ rru: w.rru, wru: w.wru });
  const lambda = w.lambdaDollars;
  const apiGateway = (w.messageUnits * prices.webSocketMessage + w.httpRequests * prices.httpApiRequest) / 1_000_000;
  const appSync = (w.appSyncOperations * prices.appSyncEventsOperation) / 1_000_000;
  const cost = (value: number) => perMillion(value, w.delivered);
  return {
    design,
    perMillionDelivered: {
      dynamodb: cost(dynamodb),
      lambda: cost(lambda),
      apiGateway: cost(apiGateway),
      appSync: cost(appSync),
      total: cost(dynamodb + lambda + apiGateway + appSync),
    },
    perEvent: {
      rru: w.rru / w.events,
      wru: w.wru / w.events,
      invocations: w.invocations / w.events,
      messages: w.messageUnits / w.events,
      appSyncOperations: w.appSyncOperations / w.events,
    },
  };
}

export function costModel(w: CountedWindow): CostLine[] {
  // Scan-all: one eventually consistent Scan of every connection item per event (0.5 RRU per
  // 4 KB read), and the event posted to every connection.
  const scanRruPerEvent = Math.max(1, Math.ceil(w.connectionItemBytes / 4096)) * 0.5;
  const postsRatio = w.delivered > 0 ? (w.connections * w.events) / w.delivered : 1;
  const perPostDollars = w.perPostMs * w.fanOutDollarsPerMs;
  const scan: Priced = {
    ...w,
    appSyncOperations: 0,
    rru: w.rru - w.subscriberQueryRru + scanRruPerEvent * w.events,
    messageUnits: w.messageUnits - w.eventMessageUnits + w.eventMessageUnits * postsRatio,
    // The fan-out's fixed part stays; its per-post part grows to every connection.
    lambdaDollars: w.lambdaDollars + perPostDollars * (w.connections * w.events - w.delivered),
  };
  // AppSync Events: one publish per event and one delivery per subscriber, each in 5 KB units;
  // the fan-out function publishes once instead of querying subscribers and posting to each.
  const operationUnits = appSyncEventsOperationUnits(w.payloadBytes);
  const appSync: Priced = {
    ...w,
    appSyncOperations: (w.events + w.delivered) * operationUnits,
    rru: w.rru - w.subscriberQueryRru,
    messageUnits: w.messageUnits - w.eventMessageUnits,
    lambdaDollars: w.lambdaDollars - perPostDollars * Math.max(0, w.delivered - w.events),
  };
  return [
    line("query-subscribers", { ...w, appSyncOperations: 0 }),
    line("scan-all-connections", scan),
    line("appsync-events", appSync),
  ];
}

/** API Gateway's own connection-minutes for one connection-hour, and AppSync Events'. */
export const connectionHourCost = 60 * (prices.webSocketConnectionMinute / 1_000_000);
export const appSyncConnectionHourCost = 60 * (prices.appSyncEventsConnectionMinute / 1_000_000);

export { itemBytes };

/** What the stack counted over a fan-out window. */
export interface FanoutCounts {
  dynamodb: DynamoDbCounts | undefined;
  invocations: Record<string, Invocations>;
  gateway: GatewayCounts;
}

/** The counted window of `events` status changes to `n` subscribers (`perPostMs` is set by `costOfFanout`). */
export async function countedWindow(
  stack: AppStack,
  o: {
    n: number;
    events: number;
    counts: FanoutCounts;
    payloadBytes: number;
    /** REST requests in the window (each one HTTP API request). */
    httpRequests: number;
    /** RRU of the fan-out's subscriber Queries in the window (by AWS's rules). */
    subscriberQueryRru: number;
  },
): Promise<CountedWindow> {
  const { n, events, counts } = o;
  // What the scan-all design's Scan would read: every connection item.
  const connectionItemBytes = (await connectionItems(stack.outputs)).reduce((sum, item) => sum + itemBytes(item), 0);
  const invocations = Object.values(counts.invocations);
  const fanOut = counts.invocations[streamSubscriber.handler] ?? { count: 0, ms: 0 };
  const keyOfHandler = new Map(appFunctions().map((fn) => [fn.handler, fn.key]));
  const dollarsOf = (handler: string, entry: Invocations) => {
    const sizing = sizingOf(keyOfHandler.get(handler) ?? "");
    return lambdaDollars(entry.count, entry.ms, sizing.memoryMb, sizing.architecture);
  };
  const fanOutSizing = sizingOf(streamSubscriber.name);
  const dynamodb = counts.dynamodb;
  return {
    delivered: n * events,
    events,
    connections: counts.gateway.openConnections,
    connectionItemBytes,
    rru: dynamodb?.billed.rru ?? 0,
    wru: dynamodb?.billed.wru ?? 0,
    localRcu: dynamodb?.rcu ?? 0,
    localWcu: dynamodb?.wcu ?? 0,
    // The fan-out's Queries are its subscriber pages (the writes' own reads are GetItems and Queries of the order's partition, counted apart).
    subscriberQueryRru: o.subscriberQueryRru,
    invocations: invocations.reduce((sum, entry) => sum + entry.count, 0),
    lambdaMs: invocations.reduce((sum, entry) => sum + entry.ms, 0),
    lambdaDollars: Object.entries(counts.invocations).reduce(
      (sum, [handler, entry]) => sum + dollarsOf(handler, entry),
      0,
    ),
    fanOutDollarsPerMs: lambdaDollars(0, 1, fanOutSizing.memoryMb, fanOutSizing.architecture),
    httpRequests: o.httpRequests,
    fanOutLambdaMs: fanOut.ms,
    perPostMs: 0,
    payloadBytes: o.payloadBytes,
    messageUnits: counts.gateway.messageUnitsOut + counts.gateway.messageUnitsIn,
    eventMessageUnits: n * events * Math.max(1, Math.ceil(o.payloadBytes / 32768)),
  };
}

/** Both designs per N; the per-post Lambda time is the largest N's (the scan design posts to everyone). */
export function costOfFanout(
  windows: readonly { n: number; window: CountedWindow }[],
): { n: number; window: CountedWindow; cost: CostLine[] }[] {
  const largest = windows.at(-1)?.window;
  const perPostMs = largest ? largest.fanOutLambdaMs / largest.delivered : 0;
  return windows.map(({ n, window }) => ({ n, window, cost: costModel({ ...window, perPostMs }) }));
}
