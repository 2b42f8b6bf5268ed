import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../config";

/**
 * The gateway's defaults: API Gateway's own values wherever the service has one, so the local
 * stack behaves like the deployed one unless a test shortens a limit on purpose.
 */
export const gatewayDefaults = {
  host: "127.0.0.1",
  stage: "local",
  /** Idle connection timeout of a WebSocket API: 10 minutes. */
  idleTimeoutMs: 600_000,
  /** Maximum connection duration of a WebSocket API: 2 hours. */
  maxConnectionMs: 7_200_000,
  region: LOCAL_REGION,
  accountId: "000000000000",
  /** The keys the local stack gives its handlers (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY). */
  credentials: [LOCAL_CREDENTIALS],
} as const;
