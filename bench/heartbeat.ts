/**
 * Phase "heartbeat" (after the fan-out, on connections of its own): what the heartbeat costs per
 * million connection-hours by AWS's billing rules, beside API Gateway's own connection-minutes
 * and AppSync Events'. Pings from customer connections (almost every connection is one; a staff
 * tab's ping also refreshes its presence item, core/presence.ts) that have not pinged yet, as the web client's
 * heartbeat arrives (one every few minutes per connection: sparse, so not counted against the
 * frame limit), each billed: ping and pong messages, the ping function's request and GB-seconds
 * at its sizing, and its reads (`pong {seqs}`).
 */
import { webSocketApi } from "@live-orders/functions/routes";
import { dynamoDbDollars, lambdaDollars, prices } from "@live-orders/local/testing/aws-billing";
import { defaultTransportOptions } from "@live-orders/web/realtime/transport";
import { sizingOf } from "../infra/function-sizing";
import { type Bench, progress } from "./bench-context";
import { appSyncConnectionHourCost, connectionHourCost } from "./cost";

export interface HeartbeatCost {
  intervalMinutes: number;
  pingsPerHour: number;
  pings: number;
  perPing: { rru: number; wru: number; lambdaMs: number; messages: number };
  perMillionConnectionHours: { messages: number; lambda: number; dynamodb: number; total: number };
  apiGatewayConnectionMinutes: number;
  appSyncConnectionMinutes: number;
}

export async function measureHeartbeat(bench: Bench, pings = 100): Promise<HeartbeatCost> {
  progress(`heartbeat: ${pings} pings from connections that have not pinged …`);
  const { stack, fleet } = bench;
  const connected = await fleet.send<"connected">({
    op: "connect",
    group: "heartbeat",
    ...bench.loadTarget,
    count: pings,
    concurrency: 25,
  });
  if (connected.failed > 0) throw new Error(`${connected.failed} connections refused: ${connected.firstError}`);
  await bench.settleDisconnects(Number.POSITIVE_INFINITY);
  stack.setDynamoDbCounting(true);
  stack.resetCounts();
  const replied = await fleet.send<"replied">({
    op: "request",
    group: "heartbeat",
    from: 0,
    to: pings,
    frame: { action: "ping" },
    concurrency: 10,
    timeoutMs: 60_000,
  });
  if (replied.types.pong !== pings) throw new Error(`heartbeat pongs: ${JSON.stringify(replied.types)}`);
  const billed = stack.dynamoDbCounts()?.billed ?? { rru: 0, wru: 0 };
  stack.setDynamoDbCounting(false);
  const ping = stack.invocations()[webSocketApi.routes.ping.handler] ?? { count: 0, ms: 0 };
  const gateway = stack.gateway().counts();
  await fleet.send({ op: "kill", group: "heartbeat" });
  await bench.settleDisconnects();
  const perPing = {
    rru: billed.rru / pings,
    wru: billed.wru / pings,
    lambdaMs: ping.ms / Math.max(1, ping.count),
    messages: (gateway.messageUnitsIn + gateway.messageUnitsOut) / pings,
  };
  const intervalMinutes = (defaultTransportOptions.heartbeat as { intervalMs: number }).intervalMs / 60_000;
  const pingsPerHour = 60 / intervalMinutes;
  const sizing = sizingOf("ping");
  const perHour = (dollarsPerPing: number) => dollarsPerPing * pingsPerHour * 1_000_000;
  const messages = perHour((perPing.messages * prices.webSocketMessage) / 1_000_000);
  const lambda = perHour(lambdaDollars(1, perPing.lambdaMs, sizing.memoryMb, sizing.architecture));
  const dynamodb = perHour(dynamoDbDollars({ rru: perPing.rru, wru: perPing.wru }));
  return {
    intervalMinutes,
    pingsPerHour,
    pings,
    perPing,
    perMillionConnectionHours: { messages, lambda, dynamodb, total: messages + lambda + dynamodb },
    apiGatewayConnectionMinutes: connectionHourCost * 1_000_000,
    appSyncConnectionMinutes: appSyncConnectionHourCost * 1_000_000,
  };
}
