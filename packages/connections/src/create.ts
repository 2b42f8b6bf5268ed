/**
 * The one place that constructs a `@connections` client, from the kind and transport settings
 * the configuration names (read once, in packages/functions/src/config.ts).
 */
import type { ConnectionLookup, ConnectionsApi } from "@live-orders/core/connections-api";
import { LeanConnectionsClient } from "./lean-client";
import { SdkConnectionsClient } from "./sdk-client";
import { type TransportSettings, transportDefaults } from "./transport-settings";

export const ConnectionsClientKind = {
  /** The lean client (lean-client.ts): SigV4 by hand over keep-alive HTTP/1.1. What runs by default. */
  Lean: "lean",
  /** The AWS SDK's `ApiGatewayManagementApiClient` (sdk-client.ts). */
  Sdk: "sdk",
} as const;
export type ConnectionsClientKind = (typeof ConnectionsClientKind)[keyof typeof ConnectionsClientKind];

export const defaultConnectionsClientKind: ConnectionsClientKind = ConnectionsClientKind.Lean;

export function isConnectionsClientKind(value: string): value is ConnectionsClientKind {
  return (Object.values(ConnectionsClientKind) as string[]).includes(value);
}

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
