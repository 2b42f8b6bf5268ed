/**
 * Phase "cost": cost per million delivered events on AWS, from operations counted during the
 * fan-out rounds (DynamoDB
 * capacity units as DynamoDB Local reported them, handler invocations and their durations,
 * API Gateway messages as the local gateway metered them), beside the same traffic in the
 * scan-all-connections design of the public samples (a Scan of every connection item per event,
 * and a post to every connection, not only to the topic's subscribers).
 *
 * Prices: us-east-1 list prices, on-demand, November 2025. Connection-minutes are billed per
 * connected client whatever the design and do not depend on the event rate; they are reported
 * per connection-hour, not folded into the per-event figure.
 */
import { streamSubscriber } from "@live-orders/functions/routes";
import type { GatewayCounts } from "@live-orders/local/gateway/index";
import type { AppStack, Invocations } from "@live-orders/local/testing/app-stack";
import type { DynamoDbCounts } from "@live-orders/local/testing/counting-proxy";
import { connectionItems } from "@live-orders/local/testing/table";

export const prices = {
  /** DynamoDB on-demand: per million write / read request units. */
  writeRequestUnit: 0.625,
  readRequestUnit: 0.125,
  /** Lambda: per million requests; per GB-second (x86). */
  lambdaRequest: 0.2,
  lambdaGbSecond: 0.0000166667,
  /** Memory of every function (SST's default). */
  lambdaMemoryGb: 1,
  /** API Gateway WebSocket: per million messages (32 KB units, first billion), per million connection-minutes. */
  apiMessage: 1.0,
  apiConnectionMinute: 0.25,
} as const;

export interface CountedWindow {
  /** Subscribers that received the event, summed over events (what the clients observed). */
  delivered: number;
  /** Events fanned out (status changes). */
  events: number;
  /** Open connections at the gateway during the window (the scan design reads and posts to all). */
  connections: number;
  /** Bytes of all connection items (what a Scan of the connections would read). */
  connectionItemBytes: number;
  rcu: number;
  wcu: number;
  /** RCU of the fan-out's subscriber Queries (replaced by the Scan in the other design). */
  subscriberQueryRcu: number;
  invocations: number;
  lambdaMs: number;
  /** Lambda ms of the fan-out handler (it grows with the number of posts). */
  fanOutLambdaMs: number;
  /** Fan-out Lambda ms per post, measured at the largest N (the scan design posts to everyone). */
  perPostMs: number;
  /** Messages API Gateway billed (in 32 KB units), both directions. */
  messageUnits: number;
  /** Of those, deliveries of the event to subscribers. */
  eventMessageUnits: number;
}

export interface CostLine {
  design: "query-subscribers" | "scan-all-connections";
  perMillionDelivered: { dynamodb: number; lambda: number; apiGateway: number; total: number };
  perEvent: { rcu: number; wcu: number; invocations: number; messages: number };
}

const perMillion = (value: number, delivered: number) => (value / delivered) * 1_000_000;

function line(
  design: CostLine["design"],
  w: CountedWindow & { rcu: number; messageUnits: number; lambdaMs: number },
): CostLine {
  const dynamodb = (w.rcu * prices.readRequestUnit + w.wcu * prices.writeRequestUnit) / 1_000_000;
  const lambda =
    (w.invocations * prices.lambdaRequest) / 1_000_000 +
    (w.lambdaMs / 1000) * prices.lambdaMemoryGb * prices.lambdaGbSecond;
  const apiGateway = (w.messageUnits * prices.apiMessage) / 1_000_000;
  const cost = (value: number) => perMillion(value, w.delivered);
  return {
    design,
    perMillionDelivered: {
      dynamodb: cost(dynamodb),
      lambda: cost(lambda),
      apiGateway: cost(apiGateway),
      total: cost(dynamodb + lambda + apiGateway),
    },
    perEvent: {
      rcu: w.rcu / w.events,
      wcu: w.wcu / w.events,
      invocations: w.invocations / w.events,
      messages: w.messageUnits / w.events,
    },
  };
}

export function costModel(w: CountedWindow): CostLine[] {
  // Scan-all: one eventually consistent Scan of every connection item per event (0.5 RCU per
  // 4 KB read), and the event posted to every connection.
  const scanRcuPerEvent = Math.ceil(w.connectionItemBytes / 4096) * 0.5;
  const postsRatio = w.delivered > 0 ? (w.connections * w.events) / w.delivered : 1;
  const scan = {
    ...w,
    rcu: w.rcu - w.subscriberQueryRcu + scanRcuPerEvent * w.events,
    messageUnits: w.messageUnits - w.eventMessageUnits + w.eventMessageUnits * postsRatio,
    // The fan-out's fixed part stays; its per-post part grows to every connection.
    lambdaMs:
      w.lambdaMs -
      w.fanOutLambdaMs +
      Math.max(0, w.fanOutLambdaMs - w.perPostMs * w.delivered) +
      w.perPostMs * w.connections * w.events,
  };
  return [line("query-subscribers", w), line("scan-all-connections", scan)];
}

export const connectionHourCost = 60 * (prices.apiConnectionMinute / 1_000_000);

/** DynamoDB's item size: attribute names plus values (strings in UTF-8, numbers ~1 byte per 2 digits). */
export function itemBytes(item: Record<string, unknown>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name) + valueBytes(value);
  return size;
}

function valueBytes(value: unknown): number {
  const typed = value as Record<string, unknown>;
  if (typeof typed.S === "string") return Buffer.byteLength(typed.S);
  if (typeof typed.N === "string") return Math.ceil(typed.N.replace(/[-.]/g, "").replace(/^0+/, "").length / 2) + 1;
  if (typed.BOOL !== undefined || typed.NULL !== undefined) return 1;
  if (typed.M !== undefined)
    return 3 + itemBytes(typed.M as Record<string, unknown>) + Object.keys(typed.M as object).length;
  if (Array.isArray(typed.L)) return 3 + typed.L.reduce((sum: number, element) => sum + 1 + valueBytes(element), 0);
  if (Array.isArray(typed.SS)) return typed.SS.reduce((sum: number, s: string) => sum + Buffer.byteLength(s), 0);
  return 0;
}

/** What the stack counted over a fan-out window. */
export interface FanoutCounts {
  dynamodb: DynamoDbCounts | undefined;
  invocations: Record<string, Invocations>;
  gateway: GatewayCounts;
}

/** The counted window of `events` status changes to `n` subscribers (`perPostMs` is set by `costOfFanout`). */
export async function countedWindow(
  stack: AppStack,
  o: { n: number; events: number; counts: FanoutCounts; payloadBytes: number },
): Promise<CountedWindow> {
  const { n, events, counts } = o;
  // What the scan-all design's Scan would read: every connection item.
  const connectionItemBytes = (await connectionItems(stack.outputs)).reduce((sum, item) => sum + itemBytes(item), 0);
  const invocations = Object.values(counts.invocations);
  const fanOut = counts.invocations[streamSubscriber.handler] ?? { count: 0, ms: 0 };
  return {
    delivered: n * events,
    events,
    connections: counts.gateway.openConnections,
    connectionItemBytes,
    rcu: counts.dynamodb?.rcu ?? 0,
    wcu: counts.dynamodb?.wcu ?? 0,
    subscriberQueryRcu: counts.dynamodb?.byOperation.Query?.rcu ?? 0,
    invocations: invocations.reduce((sum, entry) => sum + entry.count, 0),
    lambdaMs: invocations.reduce((sum, entry) => sum + entry.ms, 0),
    fanOutLambdaMs: fanOut.ms,
    perPostMs: 0,
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
