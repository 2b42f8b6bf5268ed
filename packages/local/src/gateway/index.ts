import type { HandlerLoader } from "../lambda/handler-loader";
import { gatewayDefaults } from "./config";
import type { GatewayCounts } from "./counters";
import { type HttpApi, type HttpApiConfig, startHttpApi } from "./http-api";
import { newApiId } from "./ids";
import type { SigningCredentials } from "./sigv4";
import { startWebSocketApi, type WebSocketApiConfig } from "./websocket-api";

export type { GatewayCounts } from "./counters";
export type { HttpApiConfig } from "./http-api";
export type { SigningCredentials } from "./sigv4";
/**
 * The local API Gateway: a WebSocket API (with its `@connections` management API on the same
 * port, under the stage) and an HTTP API, invoking handlers through the loader it is given (the
 * local stack's runs them in a process of their own, as Lambda does) with the events and
 * behaviour of the real service. It knows nothing of the application it serves;
 * test/conformance proves the behaviour from outside.
 *
 * Where it knowingly differs from API Gateway:
 * - plain `ws:`/`http:` on loopback, no TLS; `domainName` is the `host:port` the client used;
 * - SigV4 on `@connections` is verified against the keys given in `credentials` (default: the
 *   local stack's `local`/`local`), not against IAM: any accepted key may manage connections;
 * - no throttling of its own (`LimitExceededException`, 500 new connections/s) and no billing;
 *   a function throttled at its reserved concurrency (the loader's `TooManyRequestsException`)
 *   is answered as API Gateway answers any failed integration;
 * - a client's ping frames count as activity for the idle timeout;
 * - bounds of its own where API Gateway documents none: a client that stops reading is closed
 *   (1001) past `webSocketLimits.maxBufferedBytes` queued, and a request head must arrive within
 *   `connectionTimeouts.headersTimeoutMs` (an idle keep-alive connection ends after
 *   `keepAliveTimeoutMs`).
 * test/conformance/README.md lists every behaviour it claims with the test that proves it, on
 * this gateway and on AWS alike; its own bounds above are tested locally only
 * (gateway.integration.test.ts).
 */
export type { WebSocketApiConfig } from "./websocket-api";

export interface GatewayOptions {
  loader: HandlerLoader;
  host?: string;
  httpPort?: number;
  wsPort?: number;
  stage?: string;
  /** The region `@connections` signatures are scoped to. Default: the local stack's. */
  region?: string;
  webSocket: WebSocketApiConfig;
  http?: HttpApiConfig;
  log?: (line: string) => void;
  /** Access keys whose SigV4 signatures `@connections` accepts. Default: `local`/`local`. */
  credentials?: readonly SigningCredentials[];
}

export interface Gateway {
  httpUrl: string;
  wsUrl: string;
  managementEndpoint: string;
  /** What the WebSocket API metered (messages, connection time, `@connections` calls) since start or reset. */
  counts(): GatewayCounts;
  resetCounts(): void;
  stop(): Promise<void>;
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const host = options.host ?? gatewayDefaults.host;
  const stage = options.stage ?? gatewayDefaults.stage;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const region = options.region ?? gatewayDefaults.region;
  const { accountId } = gatewayDefaults;

  const webSocket = await startWebSocketApi({
    loader: options.loader,
    host,
    port: options.wsPort ?? 0,
    api: { apiId: newApiId(), stage, region, accountId },
    config: options.webSocket,
    idleTimeoutMs: options.webSocket.idleTimeoutMs ?? gatewayDefaults.idleTimeoutMs,
    maxConnectionMs: options.webSocket.maxConnectionMs ?? gatewayDefaults.maxConnectionMs,
    log,
    credentials: options.credentials ?? gatewayDefaults.credentials,
  });
  let http: HttpApi | undefined;
  try {
    // Without HTTP routes the HTTP API still listens: clients get API Gateway's 404s, not a refusal.
    http = await startHttpApi({
      loader: options.loader,
      host,
      port: options.httpPort ?? 0,
      apiId: newApiId(),
      accountId,
      config: options.http ?? { routes: {} },
      log,
    });
  } catch (error) {
    await webSocket.stop();
    throw error;
  }
  const httpApi = http;
  const wsBase = `${host}:${webSocket.port}/${stage}`;
  return {
    httpUrl: `http://${host}:${httpApi.port}`,
    wsUrl: `ws://${wsBase}`,
    managementEndpoint: `http://${wsBase}`,
    counts: () => webSocket.counts(),
    resetCounts: () => webSocket.resetCounts(),
    async stop() {
      await Promise.all([webSocket.stop(), httpApi.stop()]);
    },
  };
}
