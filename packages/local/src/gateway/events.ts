import type { IncomingMessage } from "node:http";
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { formatRequestTime, newRequestId, newTraceId } from "./ids";

/**
 * Lambda events exactly as API Gateway builds them. Field order follows the service's own
 * payloads, so a logged local event diffs cleanly against a logged AWS one.
 */

/** The API an event comes from. */
export interface ApiIdentity {
  readonly apiId: string;
  readonly stage: string;
}

/** What every WebSocket event says about its connection. */
export interface ConnectionFacts {
  readonly connectionId: string;
  readonly connectedAt: number;
  readonly domainName: string;
  readonly sourceIp: string;
  readonly userAgent: string;
  readonly authorizer?: Readonly<Record<string, unknown>> | undefined;
}

type EventType = "CONNECT" | "MESSAGE" | "DISCONNECT";

/** One request's ids and time; `requestId` also goes into error frames sent to the client. */
export interface RequestStamp {
  readonly requestId: string;
  readonly extendedRequestId: string;
  readonly requestTimeEpoch: number;
}

export const newRequestStamp = (now = Date.now()): RequestStamp => {
  const requestId = newRequestId();
  // On AWS the two differ; code that logs one and searches for the other must notice.
  return { requestId, extendedRequestId: newRequestId(), requestTimeEpoch: now };
};

function webSocketRequestContext(
  api: ApiIdentity,
  connection: ConnectionFacts,
  stamp: RequestStamp,
  routeKey: string,
  eventType: EventType,
  extra: Record<string, unknown> = {},
) {
  return {
    routeKey,
    ...(connection.authorizer ? { authorizer: connection.authorizer } : {}),
    ...(eventType === "MESSAGE" ? { messageId: extra.messageId } : {}),
    ...(eventType === "DISCONNECT"
      ? { disconnectStatusCode: extra.disconnectStatusCode, disconnectReason: extra.disconnectReason }
      : {}),
    eventType,
    extendedRequestId: stamp.extendedRequestId,
    requestTime: formatRequestTime(stamp.requestTimeEpoch),
    messageDirection: "IN" as const,
    stage: api.stage,
    connectedAt: connection.connectedAt,
    requestTimeEpoch: stamp.requestTimeEpoch,
    identity: { userAgent: connection.userAgent, sourceIp: connection.sourceIp },
    requestId: stamp.requestId,
    domainName: connection.domainName,
    connectionId: connection.connectionId,
    apiId: api.apiId,
  };
}

/**
 * Collects name → values in a Map: names come from the client, and a plain object would take
 * `__proto__` or `constructor` for inherited properties. `Object.fromEntries` then defines
 * every name as an own property, whatever it is.
 */
function group(pairs: Iterable<readonly [string, string]>): Map<string, string[]> {
  const grouped = new Map<string, string[]>();
  for (const [name, value] of pairs) {
    const values = grouped.get(name);
    if (values) values.push(value);
    else grouped.set(name, [value]);
  }
  return grouped;
}

function* rawHeaderPairs(request: IncomingMessage): Generator<readonly [string, string]> {
  const raw = request.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) yield [raw[i] as string, raw[i + 1] as string];
}

/** Single- and multi-value maps of the upgrade request's headers, names as the client sent them. */
function upgradeHeaders(request: IncomingMessage, sourceIp: string) {
  const multi = group(rawHeaderPairs(request));
  // API Gateway adds these before invoking the integration.
  multi.set("X-Amzn-Trace-Id", [newTraceId()]);
  multi.set("X-Forwarded-For", [sourceIp]);
  multi.set("X-Forwarded-Port", [String(request.socket.localPort ?? "")]);
  multi.set("X-Forwarded-Proto", ["http"]);
  return {
    headers: Object.fromEntries([...multi].map(([name, values]) => [name, values.join(",")])),
    multiValueHeaders: Object.fromEntries(multi),
  };
}

/** Query maps of REST-style events: the last value wins in the single map, all in the multi map. */
function queryMaps(url: URL) {
  if (!url.search || url.search === "?") return {};
  const multi = group(url.searchParams);
  return {
    queryStringParameters: Object.fromEntries([...multi].map(([name, values]) => [name, values.at(-1) as string])),
    multiValueQueryStringParameters: Object.fromEntries(multi),
  };
}

/** The REQUEST authorizer's event for a `$connect` (WebSocket APIs only authorize `$connect`). */
export function authorizerEvent(
  api: ApiIdentity & { readonly region: string; readonly accountId: string },
  connection: ConnectionFacts,
  stamp: RequestStamp,
  request: IncomingMessage,
  url: URL,
): APIGatewayRequestAuthorizerEvent {
  const { authorizer: _none, ...unauthorized } = connection;
  return {
    type: "REQUEST",
    methodArn: `arn:aws:execute-api:${api.region}:${api.accountId}:${api.apiId}/${api.stage}/$connect`,
    ...upgradeHeaders(request, connection.sourceIp),
    ...queryMaps(url),
    stageVariables: {},
    requestContext: webSocketRequestContext(api, unauthorized, stamp, "$connect", "CONNECT"),
  } as unknown as APIGatewayRequestAuthorizerEvent;
}

export function connectEvent(
  api: ApiIdentity,
  connection: ConnectionFacts,
  stamp: RequestStamp,
  request: IncomingMessage,
  url: URL,
) {
  return {
    ...upgradeHeaders(request, connection.sourceIp),
    ...queryMaps(url),
    requestContext: webSocketRequestContext(api, connection, stamp, "$connect", "CONNECT"),
    isBase64Encoded: false,
  };
}

export function messageEvent(
  api: ApiIdentity,
  connection: ConnectionFacts,
  stamp: RequestStamp,
  routeKey: string,
  body: string,
  isBase64Encoded: boolean,
) {
  return {
    requestContext: webSocketRequestContext(api, connection, stamp, routeKey, "MESSAGE", {
      messageId: newRequestId(),
    }),
    body,
    isBase64Encoded,
  };
}

export function disconnectEvent(
  api: ApiIdentity,
  connection: ConnectionFacts,
  stamp: RequestStamp,
  status: { code: number; reason: string },
) {
  return {
    // API Gateway sends these fixed headers with every $disconnect.
    headers: {
      Host: connection.domainName,
      "x-api-key": "",
      "X-Forwarded-For": "",
      "x-restapi": "",
    },
    multiValueHeaders: {
      Host: [connection.domainName],
      "x-api-key": [""],
      "X-Forwarded-For": [""],
      "x-restapi": [""],
    },
    requestContext: webSocketRequestContext(api, connection, stamp, "$disconnect", "DISCONNECT", {
      disconnectStatusCode: status.code,
      disconnectReason: status.reason,
    }),
    isBase64Encoded: false,
  };
}

/** Content types API Gateway passes as text; any other body reaches the handler base64-encoded. */
export function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return true;
  const type = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  return (
    type.startsWith("text/") ||
    /^application\/(json|xml|javascript|x-www-form-urlencoded|graphql)$/.test(type) ||
    /\+(json|xml)$/.test(type)
  );
}

export interface HttpEventInput {
  readonly apiId: string;
  readonly accountId: string;
  readonly routeKey: string;
  readonly request: IncomingMessage;
  readonly url: URL;
  readonly body: Buffer;
  readonly pathParameters: Record<string, string> | undefined;
  readonly authorizer: { jwt: { claims: Record<string, string>; scopes: string[] | null } } | undefined;
  readonly requestId: string;
  readonly sourceIp: string;
  readonly now: number;
}

/** An HTTP API payload format 2.0 event. */
export function httpEventV2(input: HttpEventInput): APIGatewayProxyEventV2WithJWTAuthorizer {
  const { request, url } = input;
  // Header names lower-cased, repeats joined with commas; cookies move to their own array.
  const headerValues = new Map<string, string>();
  let cookies: string[] | undefined;
  for (const [name, value] of Object.entries(request.headersDistinct)) {
    if (!value) continue;
    if (name === "cookie")
      cookies = value.flatMap((v) =>
        v
          .split(";")
          .map((c) => c.trim())
          .filter(Boolean),
      );
    else headerValues.set(name, value.join(","));
  }
  headerValues.set("x-amzn-trace-id", newTraceId(input.now));
  headerValues.set("x-forwarded-for", input.sourceIp);
  headerValues.set("x-forwarded-port", String(request.socket.localPort ?? ""));
  headerValues.set("x-forwarded-proto", "http");
  const headers = Object.fromEntries(headerValues);
  // Repeated query parameters are joined with commas in payload format 2.0.
  const query = Object.fromEntries([...group(url.searchParams)].map(([name, values]) => [name, values.join(",")]));

  const text = isTextContentType(request.headers["content-type"]);
  const host = request.headers.host ?? "";
  const event = {
    version: "2.0",
    routeKey: input.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ""),
    ...(cookies ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: input.accountId,
      apiId: input.apiId,
      ...(input.authorizer ? { authorizer: input.authorizer } : {}),
      domainName: host,
      domainPrefix: host.split(".")[0] ?? host,
      http: {
        method: request.method ?? "GET",
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: input.sourceIp,
        userAgent: request.headers["user-agent"] ?? "",
      },
      requestId: input.requestId,
      routeKey: input.routeKey,
      // SST's ApiGatewayV2 serves the `$default` stage: no stage in the path.
      stage: "$default",
      time: formatRequestTime(input.now),
      timeEpoch: input.now,
    },
    ...(input.body.length ? { body: text ? input.body.toString("utf8") : input.body.toString("base64") } : {}),
    ...(input.pathParameters ? { pathParameters: input.pathParameters } : {}),
    isBase64Encoded: input.body.length > 0 && !text,
  };
  return event as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
}
