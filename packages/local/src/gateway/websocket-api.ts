import { createServer, STATUS_CODES, type IncomingMessage, type Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import type { HandlerLoader } from "../lambda/handler-loader";
import {
  assertSupportedIdentitySources,
  authorizerFailure,
  decisionForThrow,
  evaluateAuthorizerResult,
  hasIdentitySources,
  unauthorized,
  type AuthorizerDecision,
} from "./authorizer";
import { ConnectionRegistry, type Connection } from "./connections";
import {
  authorizerEvent,
  connectEvent,
  disconnectEvent,
  messageEvent,
  newRequestStamp,
  type ApiIdentity,
  type ConnectionFacts,
} from "./events";
import { sourceIpOf } from "./http-io";
import { newConnectionId } from "./ids";
import { CloseCode, closeReasons, ConnectionTimers, FrameSizeGuard, webSocketLimits } from "./limits";
import { createManagementApi } from "./management-api";

export interface WebSocketApiConfig {
  routes: Record<string, { handler: string }>;
  authorizer?: { handler: string; identitySources: readonly string[] };
  idleTimeoutMs?: number;
  maxConnectionMs?: number;
}

export interface WebSocketApiOptions {
  readonly loader: HandlerLoader;
  readonly host: string;
  readonly port: number;
  readonly api: ApiIdentity & { readonly region: string; readonly accountId: string };
  readonly config: WebSocketApiConfig;
  readonly idleTimeoutMs: number;
  readonly maxConnectionMs: number;
  readonly log: (line: string) => void;
}

export interface WebSocketApi {
  readonly port: number;
  /** Closes every connection (running `$disconnect` for each) and frees the port. */
  stop(): Promise<void>;
}

/**
 * The frame API Gateway sends a client when it cannot deliver its message to an integration,
 * byte for byte (including the service's irregular spacing).
 */
const gatewayErrorFrame = (message: string, connectionId: string, requestId: string) =>
  `{"message": "${message}", "connectionId":"${connectionId}", "requestId":"${requestId}"}`;

/** Ends a refused upgrade with a plain HTTP response, as API Gateway refuses a handshake. */
function refuseUpgrade(socket: Duplex, statusCode: number, body: string, headers: Record<string, string> = {}): void {
  if (socket.destroyed) return;
  const lines = [
    `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode] ?? "Error"}`,
    "Connection: close",
    "Content-Type: application/json",
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.end(`${lines.join("\r\n")}\r\n\r\n${body}`);
}

/** The status `$connect`'s integration answered with; a result without one counts as success. */
function connectStatus(result: unknown): { statusCode: number; body: string; headers: Record<string, string> } {
  if (typeof result === "object" && result !== null && "statusCode" in result) {
    const { statusCode, body, headers } = result as { statusCode?: unknown; body?: unknown; headers?: unknown };
    return {
      statusCode: typeof statusCode === "number" ? statusCode : Number(statusCode) || 500,
      body: typeof body === "string" ? body : "",
      headers: (typeof headers === "object" && headers !== null ? headers : {}) as Record<string, string>,
    };
  }
  return { statusCode: 200, body: "", headers: {} };
}

/** `$request.body.action`: the route key of a frame, or undefined when the frame names none. */
function selectRouteKey(data: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
  const action = (parsed as Record<string, unknown>).action;
  return ["string", "number", "boolean"].includes(typeof action) ? String(action) : undefined;
}

export async function startWebSocketApi(options: WebSocketApiOptions): Promise<WebSocketApi> {
  const { loader, config, api, log } = options;
  const routes = config.routes;
  if (config.authorizer) assertSupportedIdentitySources(config.authorizer.identitySources);

  const connections = new ConnectionRegistry();
  // Connections whose `$connect` is still running: they exist for nobody else yet (a
  // PostToConnection to them is a 410, as on AWS), but `stop()` must wait for them.
  const pendingUpgrades = new Set<Promise<void>>();
  const pendingDisconnects = new Set<Promise<void>>();
  // ws's own server only performs the handshake; routing, auth and limits are ours.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: webSocketLimits.maxMessageBytes,
    // API Gateway does not negotiate permessage-deflate; frame sizes are wire sizes.
    perMessageDeflate: false,
  });

  const closeConnection = (connection: Connection, code: number, reason: string) => {
    if (connection.closedBy) return;
    connection.closedBy = { code, reason };
    connection.socket.close(code, reason);
  };

  const managementApi = createManagementApi({
    stage: api.stage,
    connections,
    log,
    // DeleteConnection closes normally (1000), which is what clients and $disconnect see on AWS.
    disconnect: (id) => {
      const connection = connections.open(id);
      if (connection) closeConnection(connection, CloseCode.normal, "");
    },
  });

  const invokeRoute = async (routeKey: string, event: unknown) => {
    const route = routes[routeKey];
    if (!route) throw new Error(`no route ${routeKey}`);
    return loader.invoke(route.handler, event);
  };

  const authorize = async (
    facts: ConnectionFacts,
    request: IncomingMessage,
    url: URL,
  ): Promise<AuthorizerDecision | undefined> => {
    const authorizer = config.authorizer;
    if (!authorizer) return undefined;
    if (!hasIdentitySources(authorizer.identitySources, request, url)) {
      return { allowed: false, refusal: unauthorized };
    }
    const event = authorizerEvent(api, facts, newRequestStamp(facts.connectedAt), request, url);
    const started = Date.now();
    try {
      const decision = evaluateAuthorizerResult(await loader.invoke(authorizer.handler, event), event.methodArn);
      return decision.allowed
        ? { allowed: true, context: { ...decision.context, integrationLatency: Date.now() - started } }
        : decision;
    } catch (error) {
      return decisionForThrow(error);
    }
  };

  const onMessage = (connection: Connection, data: RawData, isBinary: boolean) => {
    if (connection.refused) return;
    connection.lastActiveAt = Date.now();
    const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    const body = isBinary ? buffer.toString("base64") : buffer.toString("utf8");
    const selected = isBinary ? undefined : selectRouteKey(body);
    const routeKey = selected !== undefined && routes[selected] ? selected : "$default";
    const stamp = newRequestStamp();
    const reply = (message: string) => {
      if (connection.socket.readyState === connection.socket.OPEN) {
        connection.socket.send(gatewayErrorFrame(message, connection.id, stamp.requestId));
      }
    };
    if (!routes[routeKey]) return reply("Forbidden");
    const event = messageEvent(api, factsOf(connection), stamp, routeKey, body, isBinary);
    // Route results are not sent back: SST configures no route responses, so every reply
    // travels through @connections. A thrown handler is the one thing the client hears about.
    invokeRoute(routeKey, event).catch(() => reply("Internal server error"));
  };

  const onClose = (connection: Connection, code: number, reasonBuffer: Buffer) => {
    connection.timers.clear();
    connections.delete(connection.id);
    if (!routes.$disconnect) return;
    const clientReason = reasonBuffer.toString("utf8");
    const status = connection.closedBy ?? {
      code,
      reason: clientReason || closeReasons[code] || "",
    };
    const event = disconnectEvent(api, factsOf(connection), newRequestStamp(), {
      code: status.code,
      reason: status.reason || closeReasons[status.code] || "",
    });
    const run = invokeRoute("$disconnect", event)
      .then(() => undefined)
      .catch(() => undefined) // logged by the loader; nobody is left to tell
      .finally(() => pendingDisconnects.delete(run));
    pendingDisconnects.add(run);
  };

  const factsOf = (connection: Connection): ConnectionFacts => ({
    connectionId: connection.id,
    connectedAt: connection.connectedAt,
    domainName: connection.domainName,
    sourceIp: connection.sourceIp,
    userAgent: connection.userAgent,
    authorizer: connection.authorizer,
  });

  const accept = (
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    facts: ConnectionFacts,
    handshakeHeaders: Record<string, string>,
  ) => {
    const addHeaders = (headers: string[], req: IncomingMessage) => {
      if (req !== request) return;
      for (const [name, value] of Object.entries(handshakeHeaders)) headers.push(`${name}: ${value}`);
    };
    wss.on("headers", addHeaders);
    wss.handleUpgrade(request, socket, head, (ws: WebSocket) => {
      wss.off("headers", addHeaders);
      const connection: Connection = {
        id: facts.connectionId,
        socket: ws,
        connectedAt: facts.connectedAt,
        lastActiveAt: Date.now(),
        sourceIp: facts.sourceIp,
        userAgent: facts.userAgent,
        domainName: facts.domainName,
        authorizer: facts.authorizer,
        refused: false,
        timers: new ConnectionTimers(options.idleTimeoutMs, options.maxConnectionMs, () =>
          closeConnection(connection, CloseCode.goingAway, closeReasons[CloseCode.goingAway] as string),
        ),
      };
      connections.add(connection);
      const guard = new FrameSizeGuard(
        webSocketLimits.maxFrameBytes,
        () => {
          connection.refused = true;
          closeConnection(connection, CloseCode.messageTooBig, closeReasons[CloseCode.messageTooBig] as string);
        },
        // Any frame from the client (data or ping) counts as activity for the idle timeout.
        (opcode) => (opcode <= 2 || opcode === 9 ? connection.timers.touch() : undefined),
      );
      // Prepended so the guard sees a frame's header before ws emits the message it carries.
      (socket as NodeJS.EventEmitter).prependListener("data", (chunk: Buffer) => guard.push(chunk));
      ws.on("message", (data, isBinary) => onMessage(connection, data, isBinary));
      ws.on("close", (code, reason) => onClose(connection, code, reason));
      ws.on("error", (error: Error & { code?: string }) => {
        // ws closes with 1009 itself when a message passes maxPayload (the 128 KB limit).
        if (error.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") {
          connection.refused = true;
          connection.closedBy ??= { code: CloseCode.messageTooBig, reason: closeReasons[CloseCode.messageTooBig] as string };
        } else {
          log(`[gateway] connection ${connection.id}: ${error.message}`);
        }
      });
    });
  };

  const upgrade = async (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? "/", `http://${request.headers.host ?? "localhost"}`);
    if (url.pathname.replace(/\/$/, "") !== `/${api.stage}`) {
      return refuseUpgrade(socket, 403, JSON.stringify({ message: "Forbidden" }));
    }
    if (request.headers.upgrade?.toLowerCase() !== "websocket" || !request.headers["sec-websocket-key"]) {
      return refuseUpgrade(socket, 400, JSON.stringify({ message: "Bad Request" }));
    }
    const connectedAt = Date.now();
    let facts: ConnectionFacts = {
      connectionId: newConnectionId(),
      connectedAt,
      // The Host the client used, so `https://{domainName}/{stage}`-style code gets a working
      // host locally (with http: the local gateway has no TLS).
      domainName: request.headers.host ?? `${options.host}:${options.port}`,
      sourceIp: sourceIpOf(request),
      userAgent: request.headers["user-agent"] ?? "",
    };

    const decision = await authorize(facts, request, url);
    if (decision && !decision.allowed) {
      const { statusCode, message } = decision.refusal;
      return refuseUpgrade(socket, statusCode, JSON.stringify({ message }), { "x-amzn-ErrorType": errorTypeOf(statusCode) });
    }
    if (decision?.allowed) facts = { ...facts, authorizer: decision.context };

    let handshakeHeaders: Record<string, string> = {};
    if (routes.$connect) {
      try {
        const result = connectStatus(await invokeRoute("$connect", connectEvent(api, facts, newRequestStamp(connectedAt), request, url)));
        if (result.statusCode < 200 || result.statusCode > 299) {
          return refuseUpgrade(socket, result.statusCode, result.body);
        }
        handshakeHeaders = result.headers;
      } catch {
        return refuseUpgrade(socket, authorizerFailure.statusCode, JSON.stringify({ message: "Internal server error" }));
      }
    }
    if (socket.destroyed) return; // the client gave up while $connect ran
    accept(request, socket, head, facts, handshakeHeaders);
  };

  const server: Server = createServer((request, response) => void managementApi(request, response));
  server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    const run = upgrade(request, socket, head)
      .catch((error: Error) => {
        log(`[gateway] upgrade failed: ${error.stack}`);
        refuseUpgrade(socket, 500, JSON.stringify({ message: "Internal server error" }));
      })
      .finally(() => pendingUpgrades.delete(run));
    pendingUpgrades.add(run);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;

  return {
    port,
    async stop() {
      await Promise.allSettled(pendingUpgrades);
      // A gateway going away closes its connections with 1001, as a deploy or failover does on AWS.
      const closing = connections.all().map(
        (connection) =>
          new Promise<void>((resolve) => {
            connection.socket.once("close", () => resolve());
            closeConnection(connection, CloseCode.goingAway, closeReasons[CloseCode.goingAway] as string);
            // A client that never answers the close frame must not hold the port.
            setTimeout(() => connection.socket.terminate(), 1000).unref();
          }),
      );
      await Promise.all(closing);
      await Promise.allSettled(pendingDisconnects);
      wss.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

const errorTypeOf = (statusCode: number): string =>
  statusCode === 401 ? "UnauthorizedException" : statusCode === 403 ? "AccessDeniedException" : "AuthorizerConfigurationException";
