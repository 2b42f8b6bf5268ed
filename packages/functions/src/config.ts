/**
 * Configuration of the handlers, read once here. Resource ids come only from SST links
 * (`Resource.Realtime.managementEndpoint`; the table's in core); locally they arrive as
 * `SST_RESOURCE_*`.
 */
import {
  type ConnectionsClientKind,
  defaultConnectionsClientKind,
  isConnectionsClientKind,
} from "@live-orders/connections/create";
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
 * pipelined keep-alive HTTP/1.1, what has always run) or `sdk` (the AWS SDK's
 * `ApiGatewayManagementApiClient`), from `LIVE_ORDERS_CONNECTIONS_CLIENT`.
 */
export function connectionsClientKind(): ConnectionsClientKind {
  const value = process.env.LIVE_ORDERS_CONNECTIONS_CLIENT;
  if (value === undefined || value === "") return defaultConnectionsClientKind;
  if (!isConnectionsClientKind(value))
    throw new ConfigurationError(`LIVE_ORDERS_CONNECTIONS_CLIENT must be "lean" or "sdk", got ${value}`);
  return value;
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
