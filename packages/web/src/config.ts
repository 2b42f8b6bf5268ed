/**
 * The app's configuration, read once from the VITE_* variables the build was given
 * (infra/web.ts on AWS, the local stack's Vite server locally).
 */
import { MissingConfigError } from "./errors";

const env = import.meta.env as Record<string, string | undefined>;

function required(key: string): string {
  const value = env[key];
  if (!value) throw new MissingConfigError(key);
  return value;
}

function optional(key: string): string | undefined {
  return env[key] || undefined;
}

export interface WebConfig {
  apiUrl: string;
  wsUrl: string;
  region: string;
  userPoolId: string;
  userPoolClientId: string;
  /** Local only: cognito-local's endpoint; its presence switches sign-in to USER_PASSWORD_AUTH. */
  cognitoEndpoint: string | undefined;
  /** Seconds between heartbeats when not core's `heartbeatSeconds` (tests of staff presence shorten it). */
  heartbeatSeconds: number | undefined;
}

let cached: WebConfig | undefined;

export function webConfig(): WebConfig {
  cached ??= {
    apiUrl: required("VITE_API_URL"),
    wsUrl: required("VITE_WS_URL"),
    region: optional("VITE_REGION") ?? "us-east-1",
    userPoolId: required("VITE_USER_POOL_ID"),
    userPoolClientId: required("VITE_USER_POOL_CLIENT_ID"),
    cognitoEndpoint: optional("VITE_COGNITO_ENDPOINT"),
    heartbeatSeconds: optional("VITE_HEARTBEAT_SECONDS") === undefined ? undefined : Number(env.VITE_HEARTBEAT_SECONDS),
  };
  return cached;
}
