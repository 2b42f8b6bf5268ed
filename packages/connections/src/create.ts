/**
 * The one place that constructs a `@connections` client of either kind, from the kind and
 * transport settings the configuration names (read once, in packages/functions/src/config.ts):
 * for the replay CLI, the tests and the bench. The Lambda functions build the lean client alone
 * (packages/functions/src/connections.ts): importing this module bundles the SDK client too.
 */
import type { ConnectionLookup, ConnectionsApi } from "@live-orders/core/connections-api";
import { ConnectionsClientKind } from "./client-kind";
import { LeanConnectionsClient } from "./lean-client";
import { SdkConnectionsClient } from "./sdk-client";
import { type TransportSettings, transportDefaults } from "./transport-settings";

export type ConnectionsClient = ConnectionsApi & ConnectionLookup & { destroy(): void };

/**
 * A client of `endpoint` (the management endpoint) of the given kind, with the SDK's default
 * credentials. `settings` default to `transportDefaults`; the SDK client takes the per-attempt
 * timeout and never pipelines.
 */
export function createConnectionsClient(
  kind: ConnectionsClientKind,
  endpoint: string,
  settings: Partial<TransportSettings> = {},
): ConnectionsClient {
  const { connections, pipelining, attemptTimeoutMs } = { ...transportDefaults, ...settings };
  return kind === ConnectionsClientKind.Sdk
    ? new SdkConnectionsClient({ endpoint, requestHandler: { requestTimeout: attemptTimeoutMs } })
    : new LeanConnectionsClient({ endpoint, connections, pipelining, timeoutMs: attemptTimeoutMs });
}
