/** The kinds of `@connections` client (create.ts builds either; the functions run the lean one). */
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
