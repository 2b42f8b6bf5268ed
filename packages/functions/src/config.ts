/**
 * Configuration of the handlers, read once here. Resource ids come only from SST links
 * (`Resource.UserPool.id`, `Resource.WebClient.id`, `Resource.Realtime.managementEndpoint`);
 * locally they arrive as `SST_RESOURCE_*`.
 */
import {
  type ConnectionsClientKind,
  defaultConnectionsClientKind,
  isConnectionsClientKind,
} from "@live-orders/connections/create";
import { TransportEnv, type TransportSettings, transportDefaults } from "@live-orders/connections/transport-settings";
import { Resource } from "sst";
import { ConfigurationError } from "./errors";

interface LinkedResources {
  UserPool?: { id?: string };
  WebClient?: { id?: string };
  Realtime?: { managementEndpoint?: string };
}

function required(value: string | undefined, name: string): string {
  if (value === undefined || value === "") throw new ConfigurationError(`missing configuration: ${name}`);
  return value;
}

export function userPoolId(): string {
  return required(
    (Resource as unknown as LinkedResources).UserPool?.id,
    "Resource.UserPool.id (SST_RESOURCE_UserPool)",
  );
}

export function webClientId(): string {
  return required(
    (Resource as unknown as LinkedResources).WebClient?.id,
    "Resource.WebClient.id (SST_RESOURCE_WebClient)",
  );
}

/** The `@connections` endpoint of the WebSocket API (`Resource.Realtime.managementEndpoint`). */
export function managementEndpoint(): string {
  return required(
    (Resource as unknown as LinkedResources).Realtime?.managementEndpoint,
    "Resource.Realtime.managementEndpoint (SST_RESOURCE_Realtime)",
  );
}

/**
 * Which `@connections` client posts frames: `lean` (default: the hand-written SigV4 client over
 * keep-alive HTTP/1.1) or `sdk` (the AWS SDK's `ApiGatewayManagementApiClient`), from
 * `LIVE_ORDERS_CONNECTIONS_CLIENT`.
 */
export function connectionsClientKind(): ConnectionsClientKind {
  const value = process.env.LIVE_ORDERS_CONNECTIONS_CLIENT;
  if (value === undefined || value === "") return defaultConnectionsClientKind;
  if (!isConnectionsClientKind(value))
    throw new ConfigurationError(`LIVE_ORDERS_CONNECTIONS_CLIENT must be "lean" or "sdk", got ${value}`);
  return value;
}

/**
 * How the `@connections` client talks to the endpoint: `transportDefaults` (one request per
 * connection, a 3 s attempt timeout) unless infra/ set `LIVE_ORDERS_CONNECTIONS_*` for this
 * function (the pipelining opt-in, infra/connections-transport.ts).
 */
export function connectionsTransport(env: NodeJS.ProcessEnv = process.env): TransportSettings {
  const setting = (key: keyof TransportSettings): number => {
    const name = TransportEnv[key];
    const raw = env[name];
    if (raw === undefined || raw === "") return transportDefaults[key];
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1)
      throw new ConfigurationError(`${name} must be a positive integer, got ${raw}`);
    return value;
  };
  return {
    connections: setting("connections"),
    pipelining: setting("pipelining"),
    attemptTimeoutMs: setting("attemptTimeoutMs"),
  };
}

const loopbackHosts = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/**
 * Local only: cognito-local's issuer (`http://127.0.0.1:<port>/<poolId>`). cognito-local signs
 * every pool's tokens with one RSA key that is public in its npm package, so accepting its
 * issuer anywhere but on a loopback host would let anyone mint tokens: refuse to start instead.
 */
export function localCognitoIssuer(): string | undefined {
  const issuer = process.env.LIVE_ORDERS_COGNITO_ISSUER;
  if (issuer === undefined || issuer === "") return undefined;
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new ConfigurationError(`LIVE_ORDERS_COGNITO_ISSUER is not a URL: ${issuer}`);
  }
  if (!loopbackHosts.has(url.hostname)) {
    throw new ConfigurationError(
      `LIVE_ORDERS_COGNITO_ISSUER must be on a loopback host (127.0.0.1, localhost, ::1), got ${url.hostname}`,
    );
  }
  return issuer.replace(/\/+$/, "");
}

export const serviceName = "live-orders";
