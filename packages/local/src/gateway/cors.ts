import type { IncomingMessage } from "node:http";

/** An HTTP API's CORS configuration (API Gateway answers preflights itself when it is set). */
export interface CorsConfig {
  allowOrigins: readonly string[];
  allowMethods: readonly string[];
  allowHeaders: readonly string[];
  maxAge?: number;
}

/** True for a CORS preflight: an OPTIONS request carrying `Origin` and `Access-Control-Request-Method`. */
export const isPreflight = (request: IncomingMessage): boolean =>
  request.method === "OPTIONS" &&
  typeof request.headers.origin === "string" &&
  typeof request.headers["access-control-request-method"] === "string";

function allowedOrigin(cors: CorsConfig, origin: string | undefined): string | undefined {
  if (!origin) return undefined;
  if (cors.allowOrigins.includes("*")) return "*";
  return cors.allowOrigins.includes(origin) ? origin : undefined;
}

/**
 * The preflight answer's headers; none when the origin is not allowed (the browser then blocks
 * the request, which is the point).
 */
export function preflightHeaders(cors: CorsConfig, request: IncomingMessage): Record<string, string> {
  const origin = allowedOrigin(cors, request.headers.origin);
  if (!origin) return {};
  return {
    "access-control-allow-origin": origin,
    "access-control-allow-methods": cors.allowMethods.join(","),
    "access-control-allow-headers": cors.allowHeaders.join(","),
    ...(cors.maxAge !== undefined ? { "access-control-max-age": String(cors.maxAge) } : {}),
  };
}

/** Headers API Gateway adds to every response of a cross-origin request from an allowed origin. */
export function responseCorsHeaders(cors: CorsConfig, request: IncomingMessage): Record<string, string> {
  const origin = allowedOrigin(cors, request.headers.origin);
  return origin ? { "access-control-allow-origin": origin } : {};
}
