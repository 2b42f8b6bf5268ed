import { isUtf8 } from "node:buffer";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ConnectionRegistry } from "./connections";
import type { GatewayCounters } from "./counters";
import {
  BadRequestException,
  ForbiddenException,
  GatewayError,
  GoneException,
  PayloadTooLargeException,
} from "./errors";
import { BodyTooLargeError, readBody } from "./http-io";
import { newRequestId } from "./ids";
import { webSocketLimits } from "./limits";
import { type SigningCredentials, verifySigV4 } from "./sigv4";

/**
 * The `@connections` management API: `POST|GET|DELETE /{stage}/@connections/{connectionId}` on
 * the WebSocket API's own host, as on AWS. Responses follow the REST-JSON protocol the AWS SDK
 * parses (`x-amzn-ErrorType` names the exception; GetConnection's body is camelCase on the wire),
 * so the unmodified `@aws-sdk/client-apigatewaymanagementapi` works against it.
 *
 * `handle` is the API itself, on a parsed request and synchronous (a post is one frame written
 * to a socket). Two servers feed it: the pipelined management connections
 * (`management-connection.ts`, what clients of `@connections` normally get) and node:http, for a
 * management request on a connection that began with another request.
 */
export interface ManagementApiOptions {
  readonly stage: string;
  readonly connections: ConnectionRegistry;
  /** Closes a connection on DeleteConnection; `$disconnect` runs as for any close. */
  readonly disconnect: (connectionId: string) => void;
  /** Closes a connection whose client stopped reading (webSocketLimits.maxBufferedBytes). */
  readonly overflowed: (connectionId: string) => void;
  readonly log: (line: string) => void;
  /** Keys whose SigV4 signatures are accepted (locally: the stack's `local`/`local`). */
  readonly credentials: readonly SigningCredentials[];
  readonly region: string;
  readonly counters: GatewayCounters;
}

export interface ManagementRequest {
  readonly method: string;
  /** The request target as received (origin-form: path and query, percent-encoded). */
  readonly target: string;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

export interface ManagementReply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const connectionPath = /^\/([^/]+)\/(?:@|%40)connections\/([^/]+)\/?$/i;

/** Does this request target look like `@connections` (what the pipelined server takes)? */
export const isManagementTarget = (target: string): boolean => /^\/[^/]+\/(?:@|%40)connections\//i.test(target);

export interface ManagementApi {
  handle(request: ManagementRequest): ManagementReply;
  /** The reply to a request whose body is over the message limit, without reading it. */
  refuseUnread(method: string, target: string, headers: ManagementRequest["headers"]): ManagementReply;
  /** The same API behind node:http. */
  handleNodeRequest(request: IncomingMessage, response: ServerResponse): Promise<void>;
}

export function createManagementApi(options: ManagementApiOptions): ManagementApi {
  const { connections } = options;

  const reply = (method: string, status: number, body = "", headers?: Record<string, string>): ManagementReply => {
    options.counters.managementCall(method, status);
    const all: Record<string, string> = { "x-amzn-RequestId": newRequestId() };
    if (headers !== undefined) Object.assign(all, headers);
    return { status, headers: all, body };
  };
  const json = (method: string, status: number, body: unknown, headers: Record<string, string> = {}) =>
    reply(method, status, JSON.stringify(body), { "content-type": "application/json", ...headers });
  const failure = (method: string, error: unknown): ManagementReply => {
    const known = error instanceof GatewayError;
    if (!known) options.log(`[gateway] @connections ${method} failed: ${(error as Error).stack}`);
    return json(
      method,
      known ? error.statusCode : 500,
      { message: known ? error.message : "Internal server error" },
      {
        "x-amzn-ErrorType": known ? error.name : "InternalServerErrorException",
      },
    );
  };

  const postToConnection = (data: Buffer, connectionId: string): ManagementReply => {
    if (data.length === 0) throw new BadRequestException("Invalid request: Data must not be empty");
    if (data.length > webSocketLimits.maxMessageBytes) throw new PayloadTooLargeException("Message too long");
    const connection = connections.open(connectionId);
    if (!connection) throw new GoneException(`Connection ${connectionId} is gone`);
    // Text when the data is UTF-8 (what every JSON protocol sends), binary otherwise.
    if (connection.socket.bufferedAmount + data.length > webSocketLimits.maxBufferedBytes) {
      // The client has stopped reading: the message would only join the backlog.
      options.overflowed(connectionId);
      throw new GoneException(`Connection ${connectionId} is gone`);
    }
    connection.socket.send(data, { binary: !isUtf8(data) });
    options.counters.messageOut(data.length);
    connection.lastActiveAt = Date.now();
    return reply("POST", 200);
  };

  const getConnection = (connectionId: string): ManagementReply => {
    const connection = connections.open(connectionId);
    if (!connection) throw new GoneException(`Connection ${connectionId} is gone`);
    return json("GET", 200, {
      connectedAt: new Date(connection.connectedAt).toISOString(),
      identity: { sourceIp: connection.sourceIp, userAgent: connection.userAgent },
      lastActiveAt: new Date(connection.lastActiveAt).toISOString(),
    });
  };

  const deleteConnection = (connectionId: string): ManagementReply => {
    if (!connections.open(connectionId)) throw new GoneException(`Connection ${connectionId} is gone`);
    options.disconnect(connectionId);
    return reply("DELETE", 204);
  };

  /** What API Gateway checks before it reads a body: the path, then that the request is signed. */
  const route = (method: string, target: string, headers: ManagementRequest["headers"]): string => {
    // The path is what precedes the query, with no URL parse (dot segments stay, and match no
    // connection path).
    const queryAt = target.indexOf("?");
    const match = connectionPath.exec(queryAt < 0 ? target : target.slice(0, queryAt));
    // API Gateway answers a path it does not serve (another stage, no @connections) with 403.
    if (!match || match[1] !== options.stage) throw new ForbiddenException("Missing Authentication Token");
    // Unsigned requests are refused before their body is read, as on AWS.
    if (!headers.authorization) throw new ForbiddenException("Missing Authentication Token");
    if (method !== "POST" && method !== "GET" && method !== "DELETE")
      throw new ForbiddenException("Missing Authentication Token");
    return decodeURIComponent(match[2] as string);
  };

  const handle = (request: ManagementRequest): ManagementReply => {
    const { method } = request;
    try {
      const connectionId = route(method, request.target, request.headers);
      verifySigV4(
        { method, url: request.target, headers: request.headers, body: request.body },
        { credentials: options.credentials, region: options.region, service: "execute-api" },
      );
      if (method === "POST") return postToConnection(request.body, connectionId);
      if (method === "GET") return getConnection(connectionId);
      return deleteConnection(connectionId);
    } catch (error) {
      return failure(method, error);
    }
  };

  return {
    handle,
    refuseUnread(method, target, headers) {
      try {
        route(method, target, headers);
        return failure(method, new PayloadTooLargeException("Message too long"));
      } catch (error) {
        return failure(method, error);
      }
    },
    async handleNodeRequest(request, response) {
      const method = request.method ?? "GET";
      let result: ManagementReply;
      try {
        route(method, request.url ?? "/", request.headers);
        const body = await readBody(request, webSocketLimits.maxMessageBytes);
        result = handle({ method, target: request.url ?? "/", headers: request.headers, body });
      } catch (error) {
        result = failure(
          method,
          error instanceof BodyTooLargeError ? new PayloadTooLargeException("Message too long") : error,
        );
      }
      if (response.headersSent) return;
      response.writeHead(result.status, { ...result.headers, "content-length": Buffer.byteLength(result.body) });
      response.end(result.body);
    },
  };
}
