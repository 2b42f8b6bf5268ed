import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { HandlerLoader } from "../lambda/handler-loader";
import { type CorsConfig, isPreflight, preflightHeaders, responseCorsHeaders } from "./cors";
import { httpEventV2 } from "./events";
import { BodyTooLargeError, readBody, sendJson, sourceIpOf } from "./http-io";
import { HttpRouter } from "./http-routes";
import { newHttpRequestId } from "./ids";
import {
  createJwtAuthorizer,
  hasRequiredScope,
  insufficientScopeChallenge,
  type JwtAuthorization,
  type JwtAuthorizerConfig,
} from "./jwt-authorizer";
import { connectionTimeouts } from "./limits";

export interface HttpApiConfig {
  /** Per route: its handler, and the scopes its JWT authorizer requires (one of them). */
  routes: Record<string, { handler: string; authorizationScopes?: readonly string[] }>;
  jwt?: JwtAuthorizerConfig;
  cors?: CorsConfig;
}

export interface HttpApiOptions {
  readonly loader: HandlerLoader;
  readonly host: string;
  readonly port: number;
  readonly apiId: string;
  readonly accountId: string;
  readonly config: HttpApiConfig;
  readonly log: (line: string) => void;
}

export interface HttpApi {
  readonly port: number;
  stop(): Promise<void>;
}

/** HTTP API's payload limit: 10 MB. */
const maxRequestBytes = 10 * 1024 * 1024;

interface HttpResult {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

/**
 * Payload format 2.0's response rules: a result with a `statusCode` is a full response; anything
 * else is a 200 JSON body (a string as-is, any other value serialized), as API Gateway infers it.
 */
export function toHttpResult(result: unknown): HttpResult {
  if (typeof result === "object" && result !== null && "statusCode" in result) {
    const r = result as {
      statusCode: unknown;
      headers?: unknown;
      cookies?: unknown;
      body?: unknown;
      isBase64Encoded?: unknown;
    };
    const statusCode = Number(r.statusCode);
    if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599)
      throw new Error(`Invalid statusCode ${String(r.statusCode)}`);
    const headers = Object.fromEntries(
      Object.entries((r.headers ?? {}) as Record<string, unknown>).map(([name, value]) => [
        name.toLowerCase(),
        String(value),
      ]),
    );
    const body =
      r.body === undefined || r.body === null ? "" : typeof r.body === "string" ? r.body : JSON.stringify(r.body);
    return {
      statusCode,
      headers,
      cookies: Array.isArray(r.cookies) ? r.cookies.map(String) : [],
      body: Buffer.from(body, r.isBase64Encoded === true ? "base64" : "utf8"),
    };
  }
  const body = typeof result === "string" ? result : JSON.stringify(result ?? null);
  return { statusCode: 200, headers: { "content-type": "application/json" }, cookies: [], body: Buffer.from(body) };
}

export async function startHttpApi(options: HttpApiOptions): Promise<HttpApi> {
  const { config, loader, log } = options;
  const router = new HttpRouter(config.routes);
  const authorize = config.jwt ? createJwtAuthorizer(config.jwt) : undefined;

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const now = Date.now();
    const requestId = newHttpRequestId();
    const cors = config.cors;
    const corsHeaders = cors ? responseCorsHeaders(cors, request) : {};
    const reply = (statusCode: number, message: string, headers: Record<string, string> = {}) =>
      sendJson(response, statusCode, { message }, { ...headers, ...corsHeaders, "apigw-requestid": requestId });

    // With CORS configured, API Gateway answers preflights itself, before routes and authorizers.
    if (cors && isPreflight(request)) {
      response.writeHead(204, { ...preflightHeaders(cors, request), "apigw-requestid": requestId }).end();
      return;
    }
    const url = new URL(request.url ?? "/", "http://localhost");
    const route = router.match(request.method ?? "GET", url.pathname);
    if (!route) return reply(404, "Not Found");

    let body: Buffer;
    try {
      body = await readBody(request, maxRequestBytes);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return reply(413, "Request Entity Too Large");
      throw error;
    }

    let authorizer: JwtAuthorization | undefined;
    if (authorize) {
      const result = await authorize(request.headers.authorization);
      if (!result.authorized) {
        const challenge: Record<string, string> = result.description
          ? { "www-authenticate": `Bearer scope="" error="invalid_token" error_description="${result.description}"` }
          : {};
        return reply(401, "Unauthorized", challenge);
      }
      const required = config.routes[route.routeKey]?.authorizationScopes;
      if (!hasRequiredScope(result.context.jwt.scopes, required)) {
        return reply(403, "Forbidden", { "www-authenticate": insufficientScopeChallenge(required ?? []) });
      }
      authorizer = result.context;
    }

    const event = httpEventV2({
      apiId: options.apiId,
      accountId: options.accountId,
      routeKey: route.routeKey,
      request,
      url,
      body,
      pathParameters: route.pathParameters,
      authorizer: authorizer ? { jwt: { claims: authorizer.jwt.claims, scopes: authorizer.jwt.scopes } } : undefined,
      requestId,
      sourceIp: sourceIpOf(request),
      now,
    });
    let result: HttpResult;
    try {
      result = toHttpResult(await loader.invoke(route.handler, event));
    } catch {
      // The loader has logged the error as Lambda would; the client learns nothing more.
      return reply(500, "Internal Server Error");
    }
    const headers: Record<string, string | string[]> = {
      ...result.headers,
      ...corsHeaders,
      "apigw-requestid": requestId,
      "content-length": String(result.body.length),
    };
    if (result.cookies.length) headers["set-cookie"] = result.cookies;
    response.writeHead(result.statusCode, headers).end(result.body);
  };

  const server = createServer(
    {
      // Explicit, not node's defaults: a request's head within 20 s, its body within the 30 s
      // API Gateway gives an integration, an idle keep-alive connection closed after 60 s.
      headersTimeout: connectionTimeouts.headersTimeoutMs,
      requestTimeout: 30_000,
      keepAliveTimeout: connectionTimeouts.keepAliveTimeoutMs,
    },
    (request, response) => {
      handle(request, response).catch((error: Error) => {
        log(`[gateway] HTTP ${request.method} ${request.url} failed: ${error.stack}`);
        if (!response.headersSent) sendJson(response, 500, { message: "Internal Server Error" });
      });
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : options.port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive sockets would hold the port past stop(); a restart on it must succeed.
        server.closeAllConnections();
      }),
  };
}
