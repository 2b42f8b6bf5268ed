import { type IncomingMessage, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type { HandlerLoader } from "../lambda/handler-loader";
import {
  type AuthorizerDecision,
  decisionForThrow,
  evaluateAuthorizerResult,
  hasIdentitySources,
  unauthorized,
} from "./authorizer";
import { type ApiIdentity, authorizerEvent, type ConnectionFacts, connectEvent, newRequestStamp } from "./events";
import { sourceIpOf } from "./http-io";
import { newConnectionId } from "./ids";

/**
 * A WebSocket upgrade as API Gateway performs it: identity sources, the REQUEST authorizer,
 * then the `$connect` integration — and only when all of them agree does the client get its 101.
 */
export interface HandshakeConfig {
  readonly routes: Readonly<Record<string, { handler: string }>>;
  readonly authorizer?: { readonly handler: string; readonly identitySources: readonly string[] } | undefined;
}

export type HandshakeOutcome =
  | { readonly accepted: true; readonly facts: ConnectionFacts; readonly headers: Record<string, string> }
  | {
      readonly accepted: false;
      readonly statusCode: number;
      readonly body: string;
      readonly headers: Record<string, string>;
    };

type Api = ApiIdentity & { readonly region: string; readonly accountId: string };

const jsonMessage = (message: string) => JSON.stringify({ message });

const refusalErrorType: Record<number, string> = {
  401: "UnauthorizedException",
  403: "AccessDeniedException",
  500: "AuthorizerConfigurationException",
};

/** The integration's answer to `$connect`: its status, body and headers; no status counts as 200. */
function connectResponse(result: unknown): { statusCode: number; body: string; headers: Record<string, string> } {
  if (typeof result !== "object" || result === null || !("statusCode" in result)) {
    return { statusCode: 200, body: "", headers: {} };
  }
  const { statusCode, body, headers } = result as { statusCode?: unknown; body?: unknown; headers?: unknown };
  const status = Number(statusCode);
  return {
    statusCode: Number.isInteger(status) ? status : 500,
    body: typeof body === "string" ? body : "",
    headers: typeof headers === "object" && headers !== null ? (headers as Record<string, string>) : {},
  };
}

export function createHandshake(loader: HandlerLoader, api: Api, config: HandshakeConfig) {
  const authorize = async (
    facts: ConnectionFacts,
    request: IncomingMessage,
    url: URL,
  ): Promise<AuthorizerDecision | undefined> => {
    const authorizer = config.authorizer;
    if (!authorizer) return undefined;
    // API Gateway checks the identity sources itself and never invokes the authorizer without them.
    if (!hasIdentitySources(authorizer.identitySources, request, url)) return { allowed: false, refusal: unauthorized };
    const event = authorizerEvent(api, facts, newRequestStamp(facts.connectedAt), request, url);
    try {
      // WebSocket events carry the context and principalId only (API Gateway's own logs show
      // `"authorizer": {"principalId": "user"}` on $disconnect): no integrationLatency here.
      return evaluateAuthorizerResult(await loader.invoke(authorizer.handler, event), event.methodArn);
    } catch (error) {
      return decisionForThrow(error);
    }
  };

  return async function handshake(request: IncomingMessage, url: URL, fallbackHost: string): Promise<HandshakeOutcome> {
    let facts: ConnectionFacts = {
      connectionId: newConnectionId(),
      connectedAt: Date.now(),
      // The Host the client used, so code that builds `{scheme}://{domainName}/{stage}` reaches
      // this gateway (over http: the local gateway has no TLS).
      domainName: request.headers.host ?? fallbackHost,
      sourceIp: sourceIpOf(request),
      userAgent: request.headers["user-agent"] ?? "",
    };

    const decision = await authorize(facts, request, url);
    if (decision && !decision.allowed) {
      const { statusCode, message } = decision.refusal;
      return {
        accepted: false,
        statusCode,
        body: jsonMessage(message),
        headers: { "x-amzn-ErrorType": refusalErrorType[statusCode] ?? "" },
      };
    }
    if (decision?.allowed) facts = { ...facts, authorizer: decision.context };

    const connectRoute = config.routes.$connect;
    if (!connectRoute) return { accepted: true, facts, headers: {} };
    const event = connectEvent(api, facts, newRequestStamp(facts.connectedAt), request, url);
    let response: ReturnType<typeof connectResponse>;
    try {
      response = connectResponse(await loader.invoke(connectRoute.handler, event));
    } catch {
      return { accepted: false, statusCode: 500, body: jsonMessage("Internal server error"), headers: {} };
    }
    if (response.statusCode < 200 || response.statusCode > 299) {
      return { accepted: false, statusCode: response.statusCode, body: response.body, headers: {} };
    }
    // $connect's headers go into the 101 (this is how a subprotocol is accepted on AWS).
    return { accepted: true, facts, headers: response.headers };
  };
}

/** Ends a refused upgrade with a plain HTTP response, as API Gateway refuses a handshake. */
export function refuseUpgrade(
  socket: Duplex,
  statusCode: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  if (socket.destroyed) return;
  const lines = [
    `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode] ?? "Error"}`,
    "Connection: close",
    "Content-Type: application/json",
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers)
      .filter(([, value]) => value !== "")
      .map(([name, value]) => `${name}: ${value}`),
  ];
  socket.end(`${lines.join("\r\n")}\r\n\r\n${body}`);
}
