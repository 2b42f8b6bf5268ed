import type { IncomingMessage, ServerResponse } from "node:http";
import { isUtf8 } from "node:buffer";
import type { ConnectionRegistry } from "./connections";
import type { GatewayCounters } from "./counters";
import {
  BadRequestException,
  ForbiddenException,
  GatewayError,
  GoneException,
  PayloadTooLargeException,
} from "./errors";
import { BodyTooLargeError, readBody, sendJson } from "./http-io";
import { newRequestId } from "./ids";
import { webSocketLimits } from "./limits";
import { verifySigV4, type SigningCredentials } from "./sigv4";

/**
 * The `@connections` management API: `POST|GET|DELETE /{stage}/@connections/{connectionId}` on
 * the WebSocket API's own host, as on AWS. Responses follow the REST-JSON protocol the AWS SDK
 * parses (`x-amzn-ErrorType` names the exception; GetConnection's body is camelCase on the wire),
 * so the unmodified `@aws-sdk/client-apigatewaymanagementapi` works against it.
 */
export interface ManagementApiOptions {
  readonly stage: string;
  readonly connections: ConnectionRegistry;
  /** Closes a connection on DeleteConnection; `$disconnect` runs as for any close. */
  readonly disconnect: (connectionId: string) => void;
  readonly log: (line: string) => void;
  /** Keys whose SigV4 signatures are accepted (locally: the stack's `local`/`local`). */
  readonly credentials: readonly SigningCredentials[];
  readonly region: string;
  readonly counters: GatewayCounters;
}

const connectionPath = /^\/([^/]+)\/(?:@|%40)connections\/([^/]+)\/?$/i;

export function createManagementApi(options: ManagementApiOptions) {
  const { connections } = options;

  const postToConnection = (data: Buffer, connectionId: string, response: ServerResponse) => {
    if (data.length === 0) throw new BadRequestException("Invalid request: Data must not be empty");
    const connection = connections.open(connectionId);
    if (!connection) throw new GoneException(`Connection ${connectionId} is gone`);
    // Text when the data is UTF-8 (what every JSON protocol sends), binary otherwise.
    connection.socket.send(data, { binary: !isUtf8(data) });
    options.counters.messageOut(data.length);
    connection.lastActiveAt = Date.now();
    response.writeHead(200, { "content-length": 0 }).end();
  };

  const getConnection = (connectionId: string, response: ServerResponse) => {
    const connection = connections.open(connectionId);
    if (!connection) throw new GoneException(`Connection ${connectionId} is gone`);
    sendJson(response, 200, {
      connectedAt: new Date(connection.connectedAt).toISOString(),
      identity: { sourceIp: connection.sourceIp, userAgent: connection.userAgent },
      lastActiveAt: new Date(connection.lastActiveAt).toISOString(),
    });
  };

  const deleteConnection = (connectionId: string, response: ServerResponse) => {
    if (!connections.open(connectionId)) throw new GoneException(`Connection ${connectionId} is gone`);
    options.disconnect(connectionId);
    response.writeHead(204).end();
  };

  return async function handleManagementRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    response.setHeader("x-amzn-RequestId", requestId);
    response.once("finish", () => options.counters.managementCall(request.method ?? "GET", response.statusCode));
    try {
      // The request target is origin-form (`/stage/@connections/id?…`): its path is what precedes
      // the query, with no per-request URL parse (dot segments stay, and match no connection path).
      const target = request.url ?? "/";
      const queryAt = target.indexOf("?");
      const path = queryAt < 0 ? target : target.slice(0, queryAt);
      const match = connectionPath.exec(path);
      // API Gateway answers a path it does not serve (another stage, no @connections) with 403.
      if (!match || match[1] !== options.stage) throw new ForbiddenException("Missing Authentication Token");
      // Unsigned requests are refused before their body is read, as on AWS.
      if (!request.headers.authorization) throw new ForbiddenException("Missing Authentication Token");
      let body: Buffer;
      try {
        body = await readBody(request, webSocketLimits.maxMessageBytes);
      } catch (error) {
        if (error instanceof BodyTooLargeError) throw new PayloadTooLargeException("Message too long");
        throw error;
      }
      verifySigV4(
        { method: request.method ?? "GET", url: request.url ?? "/", headers: request.headers, body },
        { credentials: options.credentials, region: options.region, service: "execute-api" },
      );
      const connectionId = decodeURIComponent(match[2] as string);
      switch (request.method) {
        case "POST":
          return postToConnection(body, connectionId, response);
        case "GET":
          return getConnection(connectionId, response);
        case "DELETE":
          return deleteConnection(connectionId, response);
        default:
          throw new ForbiddenException("Missing Authentication Token");
      }
    } catch (error) {
      const known = error instanceof GatewayError;
      if (!known) options.log(`[gateway] @connections ${request.method} failed: ${(error as Error).stack}`);
      const name = known ? error.name : "InternalServerErrorException";
      const statusCode = known ? error.statusCode : 500;
      if (!response.headersSent) {
        sendJson(response, statusCode, { message: known ? error.message : "Internal server error" }, {
          "x-amzn-ErrorType": name,
        });
      }
    }
  };
}
