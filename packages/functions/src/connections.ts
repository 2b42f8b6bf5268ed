/**
 * The `@connections` client of this process, built once from the configuration and handed to
 * core (which defines the port and never builds a client). One per Lambda instance, reused
 * across invocations like the DynamoDB client, so its keep-alive connections are too.
 */
import { type ConnectionsClient, createConnectionsClient } from "@live-orders/connections/create";
import { connectionsClientKind, connectionsTransport, managementEndpoint } from "./config";

let client: ConnectionsClient | undefined;

export function connectionsClient(): ConnectionsClient {
  client ??= createConnectionsClient(connectionsClientKind(), managementEndpoint(), connectionsTransport());
  return client;
}
