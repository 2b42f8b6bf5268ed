/**
 * Configuration of the handlers, read once here. Resource ids come only from SST links
 * (`Resource.Realtime.managementEndpoint`; the table's in core); locally they arrive as
 * `SST_RESOURCE_*`.
 */
import {
  type ConnectionsClientKind,
  defaultConnectionsClientKind,
  isConnectionsClientKind,
} from "@live-orders/connections/client-kind";
import { TransportEnv, type TransportSettings, transportDefaults } from "@live-orders/connections/transport-settings";
import { Resource } from "sst";
import { ConfigurationError } from "./errors";

interface LinkedResources {
  Realtime?: { managementEndpoint?: string };
}

function required(value: string | undefined, name: string): string {
  if (value === undefined || value === "") throw new ConfigurationError(`missing configuration: ${name}`);
  return value;
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

/**
 * The origins the web app is served from (`https://d123.cloudfront.net`; the Vite dev server's
 * locally), from `LIVE_ORDERS_WEB_ORIGINS`, comma-separated: infra/ and the local stack set it.
 * The `$connect` authorizer refuses a browser of any other origin. Set but empty: no browser
 * may connect (a stack without a web app); unset is a deployment mistake and fails loudly.
 */
export function webOrigins(): ReadonlySet<string> {
  const value = process.env.LIVE_ORDERS_WEB_ORIGINS;
  if (value === undefined) throw new ConfigurationError("missing configuration: LIVE_ORDERS_WEB_ORIGINS");
  const origins = value
    .split(",")
    .map((origin) => origin.trim())
    .filter((origin) => origin.length > 0);
  for (const origin of origins) {
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      throw new ConfigurationError(`LIVE_ORDERS_WEB_ORIGINS holds something that is not an origin: ${origin}`);
    }
    if (parsed.origin !== origin) {
      throw new ConfigurationError(`LIVE_ORDERS_WEB_ORIGINS must hold bare origins (${parsed.origin}), got ${origin}`);
    }
  }
  return new Set(origins);
}

export const serviceName = "live-orders";
