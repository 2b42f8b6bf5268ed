/**
 * The handlers' CloudWatch metrics, through Powertools Metrics: Embedded Metric Format lines on
 * stdout, which CloudWatch Logs turns into metrics on AWS (no API call, no extra latency) and
 * which the local stack prints as they are. Namespace `LiveOrders`, dimension `service`.
 * What each metric means and which alarm watches what: docs/deploy.md, "Metrics".
 */
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { serviceName } from "./config";

export const metricsNamespace = "LiveOrders";

export const MetricName = {
  /** `@connections` posts that reached their connection. */
  DeliveredPosts: "DeliveredPosts",
  /** Posts answered 410: the connection had gone and was removed. */
  GonePosts: "GonePosts",
  /** Posts still failing after their retries, or refused for our credentials: the record fails and is retried. */
  FailedPosts: "FailedPosts",
  /** Posts refused for themselves (payload too large, bad request): not retried. */
  DroppedPosts: "DroppedPosts",
  /** Wall time of one fan-out invocation (one stream batch). */
  FanOutBatchDuration: "FanOutBatchDuration",
  /** Stream records of a batch that failed (reported in `batchItemFailures`). */
  FailedRecords: "FailedRecords",
  /** WebSocket connections registered by `$connect`. */
  Connects: "Connects",
  /** Upgrades the `$connect` authorizer refused. */
  AuthorizerDenials: "AuthorizerDenials",
} as const;
export type MetricName = (typeof MetricName)[keyof typeof MetricName];

export { MetricUnit };

/** One handler's metrics; publish them once per invocation (`publishStoredMetrics`). */
export function createMetrics(): Metrics {
  return new Metrics({ namespace: metricsNamespace, serviceName });
}
