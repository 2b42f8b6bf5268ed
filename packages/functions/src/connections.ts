/**
 * The `@connections` client of this process, built once from the configuration and handed to
 * core (which defines the port and never builds a client). One per Lambda instance, reused
 * across invocations like the DynamoDB client, so its keep-alive connections are too.
 *
 * The functions run the lean client only: the SDK's client would bring ~300 KB of SDK into
 * every bundle that posts (docs/benchmarks.md, "Bundles"). `LIVE_ORDERS_CONNECTIONS_CLIENT=sdk`
 * stays the replay CLI's and the tests' choice (connections/create.ts); a function configured
 * with it fails loudly at its first post instead of silently running the lean client.
 */
import { ConnectionsClientKind } from "@live-orders/connections/client-kind";
import { LeanConnectionsClient } from "@live-orders/connections/lean-client";
import { connectionsClientKind, connectionsTransport, managementEndpoint } from "./config";
import { ConfigurationError } from "./errors";

let client: LeanConnectionsClient | undefined;

export function connectionsClient(): LeanConnectionsClient {
  if (client === undefined) {
    if (connectionsClientKind() === ConnectionsClientKind.Sdk) {
      throw new ConfigurationError(
        "LIVE_ORDERS_CONNECTIONS_CLIENT=sdk: the functions bundle the lean client only (the replay CLI honours sdk)",
      );
    }
    const { connections, pipelining, attemptTimeoutMs } = connectionsTransport();
    client = new LeanConnectionsClient({
      endpoint: managementEndpoint(),
      connections,
      pipelining,
      timeoutMs: attemptTimeoutMs,
    });
  }
  return client;
}
