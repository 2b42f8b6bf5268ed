import { createServer, type IncomingMessage, type Server } from "node:http";
import { createServer as createNetServer, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import type { HandlerLoader } from "../lambda/handler-loader";
import { assertSupportedIdentitySources } from "./authorizer";
import { ConnectionRegistry, type Connection } from "./connections";
import { GatewayCounters, type GatewayCounts } from "./counters";
import { disconnectEvent, messageEvent, newRequestStamp, type ApiIdentity, type ConnectionFacts } from "./events";
import { createHandshake, refuseUpgrade } from "./handshake";
import { CloseCode, closeReasons, ConnectionTimers, FrameSizeGuard, webSocketLimits } from "./limits";
import { createManagementApi, isManagementTarget } from "./management-api";
import { serveManagementConnection } from "./management-connection";
import { selectRouteKey } from "./route-selection";
import type { SigningCredentials } from "./sigv4";

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
  /** Keys accepted on `@connections` (SigV4). */
  readonly credentials: readonly SigningCredentials[];
}

export interface WebSocketApi {
  readonly port: number;
  /** Metered traffic since start or the last `resetCounts()`. */
  counts(): GatewayCounts;
  resetCounts(): void;
  /** Closes every connection (running `$disconnect` for each) and frees the port. */
  stop(): Promise<void>;
}

/**
 * The frame API Gateway sends a client when it cannot hand its message to an integration,
 * byte for byte (including the service's irregular spacing).
 */
const gatewayErrorFrame = (message: string, connectionId: string, requestId: string) =>
  `{"message": "${message}", "connectionId":"${connectionId}", "requestId":"${requestId}"}`;

const goingAway = { code: CloseCode.goingAway, reason: closeReasons[CloseCode.goingAway] as string };
const messageTooBig = { code: CloseCode.messageTooBig, reason: closeReasons[CloseCode.messageTooBig] as string };

const factsOf = (connection: Connection): ConnectionFacts => ({
  connectionId: connection.id,
  connectedAt: connection.connectedAt,
  domainName: connection.domainName,
  sourceIp: connection.sourceIp,
  userAgent: connection.userAgent,
  authorizer: connection.authorizer,
});

/** API Gateway keeps management connections alive far longer than Node's 5 s default. */
const managementKeepAliveMs = 60_000;

/**
 * An API Gateway WebSocket API on one port: upgrades at `/{stage}`, the `@connections` management
 * API at `/{stage}/@connections/{id}`, as on AWS where both share the API's domain.
 */
export async function startWebSocketApi(options: WebSocketApiOptions): Promise<WebSocketApi> {
  const { loader, config, api, log } = options;
  const routes = config.routes;
  const hasRoute = (key: string) => Object.hasOwn(routes, key);
  if (config.authorizer) assertSupportedIdentitySources(config.authorizer.identitySources);

  const handshake = createHandshake(loader, api, config);
  const connections = new ConnectionRegistry();
  const counters = new GatewayCounters();
  // Upgrades whose authorizer or $connect is still running, and $disconnect invocations:
  // stop() waits for both so that no handler runs after it resolved.
  const pendingUpgrades = new Set<Promise<void>>();
  const pendingDisconnects = new Set<Promise<void>>();
  let stopping = false;
  const wss = new WebSocketServer({
    noServer: true,
    // The 128 KB message limit; ws closes with 1009 past it, as API Gateway does.
    maxPayload: webSocketLimits.maxMessageBytes,
    // API Gateway does not negotiate permessage-deflate; frame sizes are wire sizes.
    perMessageDeflate: false,
    // Nor does it pick a subprotocol: only $connect's Sec-WebSocket-Protocol header accepts one.
    handleProtocols: () => false,
  });

  const closeConnection = (connection: Connection, status: { code: number; reason: string }) => {
    if (connection.closedBy) return;
    connection.closedBy = status;
    connection.socket.close(status.code, status.reason);
  };

  const managementApi = createManagementApi({
    stage: api.stage,
    connections,
    log,
    credentials: options.credentials,
    region: api.region,
    counters,
    // DeleteConnection closes normally (1000), which is what clients and $disconnect see on AWS.
    disconnect: (id) => {
      const connection = connections.open(id);
      if (connection) closeConnection(connection, { code: CloseCode.normal, reason: "" });
    },
  });

  const invokeRoute = (routeKey: string, event: unknown) =>
    loader.invoke((routes[routeKey] as { handler: string }).handler, event);

  const onMessage = (connection: Connection, data: RawData, isBinary: boolean) => {
    const index = connection.messagesReceived++;
    if (connection.refusedFrom !== undefined && index >= connection.refusedFrom) return;
    connection.lastActiveAt = Date.now();
    const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    counters.messageIn(buffer.length);
    const body = isBinary ? buffer.toString("base64") : buffer.toString("utf8");
    const routeKey = selectRouteKey(routes, isBinary ? undefined : body);
    const stamp = newRequestStamp();
    const reply = (message: string) => {
      if (connection.socket.readyState === connection.socket.OPEN) {
        connection.socket.send(gatewayErrorFrame(message, connection.id, stamp.requestId));
      }
    };
    if (!hasRoute(routeKey)) return reply("Forbidden");
    const event = messageEvent(api, factsOf(connection), stamp, routeKey, body, isBinary);
    // Route results are not sent back: SST configures no route responses, so every reply
    // travels through @connections. A thrown handler is the one thing the client hears about.
    // Messages are invoked concurrently, as API Gateway invokes Lambda per message.
    invokeRoute(routeKey, event).catch(() => reply("Internal server error"));
  };

  const onClose = (connection: Connection, code: number, reason: Buffer) => {
    connection.timers.clear();
    connections.delete(connection.id);
    counters.connectionClosed(connection.connectedAt);
    if (!hasRoute("$disconnect")) return;
    // The gateway's own reason when it closed; else the client's close frame (1005 without a
    // code, 1006 when the TCP connection just dropped).
    const status = connection.closedBy ?? { code, reason: reason.toString("utf8") };
    const event = disconnectEvent(api, factsOf(connection), newRequestStamp(), {
      code: status.code,
      reason: status.reason || closeReasons[status.code] || "",
    });
    const run: Promise<void> = invokeRoute("$disconnect", event)
      .then(() => undefined, () => undefined) // the loader logged it; nobody is left to tell
      .finally(() => pendingDisconnects.delete(run));
    pendingDisconnects.add(run);
  };

  const accept = (request: IncomingMessage, socket: Duplex, head: Buffer, facts: ConnectionFacts, headers: Record<string, string>) => {
    const addHeaders = (lines: string[], req: IncomingMessage) => {
      if (req === request) for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
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
        messagesReceived: 0,
        timers: new ConnectionTimers(options.idleTimeoutMs, options.maxConnectionMs, () =>
          closeConnection(connection, goingAway),
        ),
      };
      connections.add(connection);
      counters.connectionOpened();
      const guard = new FrameSizeGuard(
        webSocketLimits.maxFrameBytes,
        (messagesBefore) => {
          connection.refusedFrom ??= messagesBefore;
          closeConnection(connection, messageTooBig);
        },
        // Any frame from the client (data or ping) counts as activity for the idle timeout.
        (opcode) => (opcode <= 2 || opcode === 9 ? connection.timers.touch() : undefined),
      );
      // Prepended so the guard reads a frame's header before ws emits the message it carries.
      socket.prependListener("data", (chunk: Buffer) => guard.push(chunk));
      ws.on("message", (data, isBinary) => onMessage(connection, data, isBinary));
      ws.on("close", (code, reason) => onClose(connection, code, reason));
      ws.on("error", (error: Error & { code?: string }) => {
        // ws has already closed with 1009: a message passed maxPayload (the 128 KB limit).
        if (error.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") {
          connection.refusedFrom ??= connection.messagesReceived;
          connection.closedBy ??= messageTooBig;
        } else {
          log(`[gateway] connection ${connection.id}: ${error.message}`);
        }
      });
    });
  };

  const upgrade = async (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // An upgrade on a keep-alive connection that outlived the listener (stop() in progress).
    if (stopping) return void socket.destroy();
    const url = new URL(request.url ?? "/", "http://localhost");
    if (url.pathname.replace(/\/$/, "") !== `/${api.stage}`) {
      return refuseUpgrade(socket, 403, JSON.stringify({ message: "Forbidden" }));
    }
    if (request.headers.upgrade?.toLowerCase() !== "websocket" || !request.headers["sec-websocket-key"]) {
      return refuseUpgrade(socket, 400, JSON.stringify({ message: "Bad Request" }));
    }
    const outcome = await handshake(request, url, `${options.host}:${port}`);
    if (!outcome.accepted) return refuseUpgrade(socket, outcome.statusCode, outcome.body, outcome.headers);
    if (socket.destroyed) return; // the client gave up while $connect ran
    accept(request, socket, head, outcome.facts, outcome.headers);
  };

  const server: Server = createServer((request, response) => void managementApi.handleNodeRequest(request, response));
  // The SDK keeps management connections alive; Node's 5 s default would close them under a
  // client about to reuse one (ECONNRESET). API Gateway's own keep-alive is far longer.
  server.keepAliveTimeout = managementKeepAliveMs;
  // One port, two servers: a connection whose first request is an `@connections` call is served
  // by the pipelined management server, any other (upgrades above all) by node:http.
  // Sockets not yet handed to either server (their first line not read yet) and the management
  // ones: stop() closes them itself, node:http's are closed by closeAllConnections.
  const ownSockets = new Set<Socket>();
  const listener = createNetServer((socket) => {
    let first: Buffer | undefined;
    ownSockets.add(socket);
    // A connection that never sends a request line is not kept forever; the server it goes to
    // sets its own timeouts.
    const giveUp = () => socket.destroy();
    socket.setTimeout(managementKeepAliveMs);
    socket.on("timeout", giveUp);
    const sniff = (data: Buffer) => {
      first = first === undefined ? data : Buffer.concat([first, data]);
      const lineEnd = first.indexOf("\r\n");
      if (lineEnd < 0 && first.length < 8192) return;
      socket.off("data", sniff);
      socket.off("timeout", giveUp);
      socket.setTimeout(0);
      socket.pause();
      const target = first.toString("latin1", 0, lineEnd < 0 ? first.length : lineEnd).split(" ")[1] ?? "";
      if (isManagementTarget(target) && !stopping) {
        serveManagementConnection(socket, managementApi, { keepAliveMs: managementKeepAliveMs });
      } else {
        ownSockets.delete(socket);
        server.emit("connection", socket);
      }
      socket.unshift(first);
      socket.resume();
    };
    socket.on("data", sniff);
    socket.on("error", () => socket.destroy());
    socket.once("close", () => ownSockets.delete(socket));
  });
  server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    const run: Promise<void> = upgrade(request, socket, head)
      .catch((error: Error) => {
        log(`[gateway] upgrade failed: ${error.stack}`);
        refuseUpgrade(socket, 500, JSON.stringify({ message: "Internal server error" }));
      })
      .finally(() => pendingUpgrades.delete(run));
    pendingUpgrades.add(run);
  });

  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(options.port, options.host, () => {
      listener.off("error", reject);
      resolve();
    });
  });
  const address = listener.address();
  const port = typeof address === "object" && address ? address.port : options.port;

  return {
    port,
    counts: () => counters.snapshot(connections.all().map((connection) => connection.connectedAt)),
    resetCounts: () => counters.reset(),
    async stop() {
      // Stop listening first: clients reconnecting while we close must be refused, as by a gone
      // endpoint, not accepted into a server that is going away (that never settles under churn).
      const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
      stopping = true;
      await Promise.allSettled(pendingUpgrades);
      // A gateway going away closes its connections with 1001, as a deployment does on AWS.
      const closing = connections.all().map(
        (connection) =>
          new Promise<void>((resolve) => {
            connection.socket.once("close", () => resolve());
            closeConnection(connection, goingAway);
            // A client that never answers the close frame must not hold the port.
            setTimeout(() => connection.socket.terminate(), 1000).unref();
          }),
      );
      await Promise.all(closing);
      await Promise.allSettled(pendingDisconnects);
      wss.close();
      server.closeAllConnections();
      for (const socket of ownSockets) socket.destroy();
      await closed;
    },
  };
}
