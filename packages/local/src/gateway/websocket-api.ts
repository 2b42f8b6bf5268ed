import { createServer, type IncomingMessage, type Server } from "node:http";
import { createServer as createNetServer, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { type RawData, type WebSocket, WebSocketServer } from "ws";
import type { HandlerLoader } from "../lambda/handler-loader";
import { assertSupportedIdentitySources } from "./authorizer";
import { type Connection, ConnectionRegistry } from "./connections";
import { GatewayCounters, type GatewayCounts } from "./counters";
import { type ApiIdentity, type ConnectionFacts, disconnectEvent, messageEvent, newRequestStamp } from "./events";
import { createHandshake, refuseUpgrade } from "./handshake";
import {
  CloseCode,
  ConnectionTimers,
  closeReasons,
  connectionTimeouts,
  FrameSizeGuard,
  webSocketLimits,
} from "./limits";
import { createManagementApi, isManagementTarget, type ManagementApi } from "./management-api";
import { serveManagementConnection } from "./management-connection";
import { selectRouteKey } from "./route-selection";
import type { SigningCredentials } from "./sigv4";

export interface WebSocketApiConfig {
  routes: Record<string, { handler: string }>;
  authorizer?: { handler: string; identitySources: readonly string[] };
  idleTimeoutMs?: number;
  maxConnectionMs?: number;
  /** A request's head must arrive within this long (default `connectionTimeouts.headersTimeoutMs`; tests shorten it). */
  headersTimeoutMs?: number;
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
const managementKeepAliveMs = connectionTimeouts.keepAliveTimeoutMs;

/**
 * An API Gateway WebSocket API on one port: upgrades at `/{stage}`, the `@connections` management
 * API at `/{stage}/@connections/{id}`, as on AWS where both share the API's domain.
 */
export async function startWebSocketApi(options: WebSocketApiOptions): Promise<WebSocketApi> {
  if (options.config.authorizer) assertSupportedIdentitySources(options.config.authorizer.identitySources);
  const api = openApi(options);
  const managementApi = managementApiOf(api);
  const server = createServer((request, response) => void managementApi.handleNodeRequest(request, response));
  // The SDK keeps management connections alive; Node's 5 s default would close them under a
  // client about to reuse one (ECONNRESET). API Gateway's own keep-alive is far longer.
  server.keepAliveTimeout = managementKeepAliveMs;
  // Sockets reach this server through emit("connection") (listenOnOnePort), so node:http's own
  // header and request timeouts, which it checks only for servers it listens with, never run:
  // a connection idle this long between requests is closed instead; the first request's head
  // is timed by listenOnOnePort.
  server.timeout = managementKeepAliveMs;
  const listener = await listenOnOnePort(api, { server, managementApi });
  server.on("upgrade", upgradeHandler(api, { domainName: `${options.host}:${listener.port}` }));
  return {
    port: listener.port,
    counts: () => api.counters.snapshot(api.connections.all().map((connection) => connection.connectedAt)),
    resetCounts: () => api.counters.reset(),
    stop: () => stopApi(api, { server, listener }),
  };
}

/** One WebSocket API's state: its connections, meters, and the work `stop()` waits for. */
interface OpenApi {
  readonly options: WebSocketApiOptions;
  readonly connections: ConnectionRegistry;
  readonly counters: GatewayCounters;
  readonly wss: WebSocketServer;
  /** Upgrades whose authorizer or `$connect` is still running, and `$disconnect` invocations: stop() waits for both so that no handler runs after it resolved. */
  readonly pendingUpgrades: Set<Promise<void>>;
  readonly pendingDisconnects: Set<Promise<void>>;
  stopping: boolean;
  hasRoute(routeKey: string): boolean;
  invokeRoute(routeKey: string, event: unknown): Promise<unknown>;
  /** Close a connection from the gateway's side (its reason reaches `$disconnect`). */
  close(connection: Connection, status: { code: number; reason: string }): void;
}

function openApi(options: WebSocketApiOptions): OpenApi {
  const { routes } = options.config;
  return {
    options,
    connections: new ConnectionRegistry(),
    counters: new GatewayCounters(),
    wss: new WebSocketServer({
      noServer: true,
      // The 128 KB message limit; ws closes with 1009 past it, as API Gateway does.
      maxPayload: webSocketLimits.maxMessageBytes,
      // API Gateway does not negotiate permessage-deflate; frame sizes are wire sizes.
      perMessageDeflate: false,
      // Nor does it pick a subprotocol: only $connect's Sec-WebSocket-Protocol header accepts one.
      handleProtocols: () => false,
    }),
    pendingUpgrades: new Set(),
    pendingDisconnects: new Set(),
    stopping: false,
    hasRoute: (key) => Object.hasOwn(routes, key),
    invokeRoute: (routeKey, event) => options.loader.invoke((routes[routeKey] as { handler: string }).handler, event),
    close(connection, status) {
      if (connection.closedBy) return;
      connection.closedBy = status;
      connection.socket.close(status.code, status.reason);
    },
  };
}

function managementApiOf(api: OpenApi): ManagementApi {
  const { options, connections } = api;
  return createManagementApi({
    stage: options.api.stage,
    connections,
    log: options.log,
    credentials: options.credentials,
    region: options.api.region,
    counters: api.counters,
    // DeleteConnection closes normally (1000), which is what clients and $disconnect see on AWS.
    disconnect: (id) => {
      const connection = connections.open(id);
      if (connection) api.close(connection, { code: CloseCode.normal, reason: "" });
    },
    overflowed: (id) => {
      const connection = connections.open(id);
      if (!connection) return;
      options.log(
        `[gateway] connection ${id} stopped reading (over ${webSocketLimits.maxBufferedBytes} bytes queued): closed`,
      );
      api.close(connection, goingAway);
      // The close frame would wait behind the backlog of a client that does not read.
      connection.socket.terminate();
    },
  });
}

interface OnePortListener {
  port: number;
  /** Refuses new connections; resolves once every connection it accepted has ended. */
  stopListening(): Promise<void>;
  /** Ends the sockets node:http does not own. */
  destroySockets(): void;
}

/**
 * One port, two servers: a connection whose first request is an `@connections` call is served
 * by the batching management server (management-connection.ts: what holds the fan-out's
 * throughput, docs/benchmarks.md), any other (upgrades above all) by node:http. Sockets not
 * yet handed to either server (their first line not read yet) and the management ones are
 * closed by `close()`; node:http's by its closeAllConnections.
 */
async function listenOnOnePort(
  api: OpenApi,
  { server, managementApi }: { server: Server; managementApi: ManagementApi },
): Promise<OnePortListener> {
  const ownSockets = new Set<Socket>();
  const listener = createNetServer((socket) => {
    let first: Buffer | undefined;
    ownSockets.add(socket);
    // The first request's whole head must arrive in time: a connection that sends nothing, or
    // half a request line and no more, is closed (node:http's header timeout never runs for the
    // sockets handed to it, see startWebSocketApi); an idle one before its first byte too.
    const giveUp = () => socket.destroy();
    socket.setTimeout(managementKeepAliveMs);
    socket.on("timeout", giveUp);
    let headTimer: NodeJS.Timeout | undefined;
    const sniff = (data: Buffer) => {
      headTimer ??= setTimeout(
        giveUp,
        api.options.config.headersTimeoutMs ?? connectionTimeouts.headersTimeoutMs,
      ).unref();
      first = first === undefined ? data : Buffer.concat([first, data]);
      if (first.indexOf("\r\n\r\n") < 0 && first.length < 16 * 1024) return;
      const lineEnd = first.indexOf("\r\n");
      socket.off("data", sniff);
      socket.off("timeout", giveUp);
      clearTimeout(headTimer);
      socket.setTimeout(0);
      socket.pause();
      const target = first.toString("latin1", 0, lineEnd < 0 ? first.length : lineEnd).split(" ")[1] ?? "";
      if (isManagementTarget(target) && !api.stopping) {
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
    socket.once("close", () => {
      clearTimeout(headTimer);
      ownSockets.delete(socket);
    });
  });
  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(api.options.port, api.options.host, () => {
      listener.off("error", reject);
      resolve();
    });
  });
  const address = listener.address();
  return {
    port: typeof address === "object" && address ? address.port : api.options.port,
    stopListening: () => new Promise<void>((resolve) => listener.close(() => resolve())),
    destroySockets() {
      for (const socket of ownSockets) socket.destroy();
    },
  };
}

/** Upgrades at `/{stage}`: identity sources, the authorizer and `$connect` first, then the WebSocket. */
function upgradeHandler(api: OpenApi, { domainName }: { domainName: string }) {
  const { options } = api;
  const handshake = createHandshake(options.loader, options.api, options.config);
  const upgrade = async (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // An upgrade on a keep-alive connection that outlived the listener (stop() in progress).
    if (api.stopping) return void socket.destroy();
    const url = new URL(request.url ?? "/", "http://localhost");
    if (url.pathname.replace(/\/$/, "") !== `/${options.api.stage}`) {
      return refuseUpgrade(socket, 403, JSON.stringify({ message: "Forbidden" }));
    }
    if (request.headers.upgrade?.toLowerCase() !== "websocket" || !request.headers["sec-websocket-key"]) {
      return refuseUpgrade(socket, 400, JSON.stringify({ message: "Bad Request" }));
    }
    const outcome = await handshake(request, url, domainName);
    if (!outcome.accepted) return refuseUpgrade(socket, outcome.statusCode, outcome.body, outcome.headers);
    if (socket.destroyed) return; // the client gave up while $connect ran
    acceptConnection(api, { request, socket, head, facts: outcome.facts, headers: outcome.headers });
  };
  return (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    const run: Promise<void> = upgrade(request, socket, head)
      .catch((error: Error) => {
        options.log(`[gateway] upgrade failed: ${error.stack}`);
        refuseUpgrade(socket, 500, JSON.stringify({ message: "Internal server error" }));
      })
      .finally(() => api.pendingUpgrades.delete(run));
    api.pendingUpgrades.add(run);
  };
}

/** The 101, then the connection as API Gateway keeps it: its limits, its messages, its close. */
function acceptConnection(
  api: OpenApi,
  o: {
    request: IncomingMessage;
    socket: Duplex;
    head: Buffer;
    facts: ConnectionFacts;
    headers: Record<string, string>;
  },
): void {
  const { wss, options } = api;
  const addHeaders = (lines: string[], req: IncomingMessage) => {
    if (req === o.request) for (const [name, value] of Object.entries(o.headers)) lines.push(`${name}: ${value}`);
  };
  wss.on("headers", addHeaders);
  wss.handleUpgrade(o.request, o.socket, o.head, (ws: WebSocket) => {
    wss.off("headers", addHeaders);
    const { facts } = o;
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
        api.close(connection, goingAway),
      ),
    };
    api.connections.add(connection);
    api.counters.connectionOpened();
    const guard = new FrameSizeGuard(
      webSocketLimits.maxFrameBytes,
      (messagesBefore) => {
        connection.refusedFrom ??= messagesBefore;
        api.close(connection, messageTooBig);
      },
      // Any frame from the client (data or ping) counts as activity for the idle timeout.
      (opcode) => (opcode <= 2 || opcode === 9 ? connection.timers.touch() : undefined),
    );
    // Prepended so the guard reads a frame's header before ws emits the message it carries.
    o.socket.prependListener("data", (chunk: Buffer) => guard.push(chunk));
    ws.on("message", (data, isBinary) => routeMessage(api, connection, data, isBinary));
    ws.on("close", (code, reason) => disconnected(api, connection, code, reason));
    ws.on("error", (error: Error & { code?: string }) => {
      // ws has already closed with 1009: a message passed maxPayload (the 128 KB limit).
      if (error.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") {
        connection.refusedFrom ??= connection.messagesReceived;
        connection.closedBy ??= messageTooBig;
      } else {
        options.log(`[gateway] connection ${connection.id}: ${error.message}`);
      }
    });
  });
}

/** A client's message to its route (`$request.body.action`), invoked as API Gateway invokes Lambda per message. */
function routeMessage(api: OpenApi, connection: Connection, data: RawData, isBinary: boolean): void {
  const index = connection.messagesReceived++;
  if (connection.refusedFrom !== undefined && index >= connection.refusedFrom) return;
  connection.lastActiveAt = Date.now();
  const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
  api.counters.messageIn(buffer.length);
  const body = isBinary ? buffer.toString("base64") : buffer.toString("utf8");
  const routeKey = selectRouteKey(api.options.config.routes, isBinary ? undefined : body);
  const stamp = newRequestStamp();
  const reply = (message: string) => {
    if (connection.socket.readyState === connection.socket.OPEN) {
      connection.socket.send(gatewayErrorFrame(message, connection.id, stamp.requestId));
    }
  };
  if (!api.hasRoute(routeKey)) return reply("Forbidden");
  const event = messageEvent(api.options.api, factsOf(connection), stamp, routeKey, body, isBinary);
  // Route results are not sent back: SST configures no route responses, so every reply
  // travels through @connections. A thrown handler is the one thing the client hears about.
  api.invokeRoute(routeKey, event).catch(() => reply("Internal server error"));
}

/** A closed connection leaves the registry and runs `$disconnect`. */
function disconnected(api: OpenApi, connection: Connection, code: number, reason: Buffer): void {
  connection.timers.clear();
  api.connections.delete(connection.id);
  api.counters.connectionClosed(connection.connectedAt);
  if (!api.hasRoute("$disconnect")) return;
  // The gateway's own reason when it closed; else the client's close frame (1005 without a
  // code, 1006 when the TCP connection just dropped).
  const status = connection.closedBy ?? { code, reason: reason.toString("utf8") };
  const event = disconnectEvent(api.options.api, factsOf(connection), newRequestStamp(), {
    code: status.code,
    reason: status.reason || closeReasons[status.code] || "",
  });
  const run: Promise<void> = api
    .invokeRoute("$disconnect", event)
    .then(
      () => undefined,
      () => undefined,
    ) // the loader logged it; nobody is left to tell
    .finally(() => api.pendingDisconnects.delete(run));
  api.pendingDisconnects.add(run);
}

/**
 * Stop listening first: clients reconnecting while we close must be refused, as by a gone
 * endpoint, not accepted into a server that is going away (that never settles under churn).
 * Then every connection closes with 1001, as a deployment does on AWS, and `$disconnect` runs.
 */
async function stopApi(
  api: OpenApi,
  { server, listener }: { server: Server; listener: OnePortListener },
): Promise<void> {
  const closed = listener.stopListening();
  api.stopping = true;
  await Promise.allSettled(api.pendingUpgrades);
  const closing = api.connections.all().map(
    (connection) =>
      new Promise<void>((resolve) => {
        connection.socket.once("close", () => resolve());
        api.close(connection, goingAway);
        // A client that never answers the close frame must not hold the port.
        setTimeout(() => connection.socket.terminate(), 1000).unref();
      }),
  );
  await Promise.all(closing);
  await Promise.allSettled(api.pendingDisconnects);
  api.wss.close();
  server.closeAllConnections();
  listener.destroySockets();
  await closed;
}
