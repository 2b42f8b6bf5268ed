/**
 * The one place the conformance suite learns what it talks to. Every test reaches the API only
 * through what this module returns (URLs, a management client, tokens), so the suite can run
 * against the local gateway (the default) or a deployed API Gateway (see README.md here).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import { localManagementApiClient } from "../../src/clients";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../src/config";
import { type Gateway, startGateway } from "../../src/gateway/index";
import { createFunctionPools } from "../../src/lambda/function-pool";
import { createHandlerLoader } from "../../src/lambda/handler-loader";
import { audience, corsOrigin, scopedRouteScopes } from "./fixture-settings";
import { slowMs } from "./fixtures/throttled-handlers";
import { newRsaKey, privateKeyFromJwk, signJwt, startJwtIssuer } from "./jwt-issuer";

export interface WebSocketTarget {
  readonly wsUrl: string;
  readonly managementEndpoint: string;
}

export interface ConformanceTarget {
  /** Authorizer (its outcome named by `?ticket=`), `$connect`, `$disconnect`, `$default` and the fixture routes. */
  readonly main: WebSocketTarget;
  /** No authorizer, no `$connect`, no `$disconnect`, no `$default`: routes `echo`, `whoami`, `noop`. */
  readonly bare: WebSocketTarget;
  /** Like `main`, with short idle and maximum durations (on AWS: 10 minutes and 2 hours). */
  readonly shortLived: WebSocketTarget & { readonly idleTimeoutMs: number; readonly maxConnectionMs: number };
  /**
   * A WebSocket route `slow` and an HTTP route `GET /slow` whose functions have a reserved
   * concurrency of 1 and take `slowMs` per call: a second concurrent call is throttled.
   */
  readonly throttled: { readonly wsUrl: string; readonly httpUrl: string; readonly slowMs: number };
  /** The HTTP API (fixture routes behind the JWT authorizer, CORS for `corsOrigin`). */
  readonly httpUrl: string;
  readonly corsOrigin: string;
  readonly tokens: Tokens;
  /** The access key id the management client signs with (the signature tests alter its secret). */
  readonly accessKeyId: string;
  readonly region: string;
  managementClient(endpoint: string): ApiGatewayManagementApiClient;
  close(): Promise<void>;
}

export interface Tokens {
  /** Cognito-style access token: `client_id`, no `aud`, scopes, groups. */
  readonly access: string;
  /** Cognito-style id token: `aud`, no scopes. */
  readonly id: string;
  readonly expired: string;
  readonly notYetValid: string;
  readonly wrongIssuer: string;
  readonly wrongAudience: string;
  /** An id token for another app whose `client_id` would match: `aud` decides. */
  readonly wrongAudWithClientId: string;
  readonly issuedInFuture: string;
  /** A valid access token whose scopes are none of `/scoped`'s. */
  readonly otherScope: string;
  readonly badSignature: string;
  /** The claims inside `access`, to compare with what the handler receives. */
  readonly accessClaims: Record<string, unknown>;
}

/** What a deployed target's JSON file (CONFORMANCE_TARGET) holds. */
interface DeployedTargetFile {
  main: WebSocketTarget;
  bare: WebSocketTarget;
  /** The main APIs' `slow` routes (reserved concurrency 1). */
  throttled: { wsUrl: string; httpUrl: string };
  httpUrl: string;
  corsOrigin: string;
  jwt: { issuer: string; audience: string; privateJwk: string };
}

const repositoryRoot = resolve(import.meta.dirname, "../../../..");
const fixtures = "packages/local/test/conformance/fixtures";
const wsHandler = (name: string) => ({ handler: `${fixtures}/websocket-handlers.${name}` });
const httpHandler = (name: string) => ({ handler: `${fixtures}/http-handlers.${name}` });
const slowMessage = { handler: `${fixtures}/throttled-handlers.slowMessage` };
const slowHttp = { handler: `${fixtures}/throttled-handlers.slowHttp` };

/**
 * The `shortLived` API's idle timeout and maximum connection duration. Known before any target
 * starts, so tests can size their own timeouts by them: locally short, on AWS the service's
 * (10 minutes and 2 hours, which API Gateway does not let an API change).
 */
export function lifetimeLimits(): { readonly idleTimeoutMs: number; readonly maxConnectionMs: number } {
  return process.env.CONFORMANCE_TARGET
    ? { idleTimeoutMs: 600_000, maxConnectionMs: 7_200_000 }
    : // Short enough for a test, long enough that a busy 2-core machine does not trip them early.
      { idleTimeoutMs: 1500, maxConnectionMs: 4000 };
}

function mintTokens(
  issuer: string,
  sign: (claims: Record<string, unknown>, key?: ReturnType<typeof newRsaKey>) => string,
  clientId: string,
): Tokens {
  const now = Math.floor(Date.now() / 1000);
  const accessClaims = {
    sub: "3c1f0b6e-user-1",
    "cognito:groups": ["staff", "admins"],
    iss: issuer,
    client_id: clientId,
    origin_jti: "9b8e1c",
    token_use: "access",
    scope: "orders/read orders/write",
    auth_time: now,
    exp: now + 3600,
    iat: now,
    jti: "2f7a",
    username: "alice@example.com",
  };
  const idClaims = {
    sub: "3c1f0b6e-user-1",
    aud: clientId,
    email_verified: true,
    iss: issuer,
    "cognito:username": "alice@example.com",
    token_use: "id",
    auth_time: now,
    exp: now + 3600,
    iat: now,
    email: "alice@example.com",
  };
  return {
    access: sign(accessClaims),
    id: sign(idClaims),
    expired: sign({ ...accessClaims, iat: now - 7200, exp: now - 3600 }),
    notYetValid: sign({ ...accessClaims, nbf: now + 3600 }),
    wrongIssuer: sign({ ...accessClaims, iss: `${issuer}-other` }),
    wrongAudience: sign({ ...accessClaims, client_id: "another-client" }),
    wrongAudWithClientId: sign({ ...idClaims, aud: "another-client", client_id: clientId }),
    issuedInFuture: sign({ ...accessClaims, iat: now + 3600 }),
    otherScope: sign({ ...accessClaims, scope: "profile" }),
    badSignature: sign(accessClaims, newRsaKey()),
    accessClaims,
  };
}

function deployedTarget(file: string): ConformanceTarget {
  const config = JSON.parse(readFileSync(file, "utf8")) as DeployedTargetFile;
  const { key, kid } = privateKeyFromJwk(config.jwt.privateJwk);
  return {
    main: config.main,
    bare: config.bare,
    // API Gateway's own limits: those tests then take 10 minutes and 2 hours.
    shortLived: { ...config.main, ...lifetimeLimits() },
    throttled: { ...config.throttled, slowMs },
    httpUrl: config.httpUrl,
    corsOrigin: config.corsOrigin,
    tokens: mintTokens(config.jwt.issuer, (claims, other) => signJwt(claims, other ?? key, kid), config.jwt.audience),
    // The signature tests need the key id of the default credentials (set it in the environment).
    accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? "",
    region: new URL(config.main.managementEndpoint).hostname.split(".")[2] ?? "us-east-1",
    managementClient: (endpoint) => new ApiGatewayManagementApiClient({ endpoint }),
    close: async () => undefined,
  };
}

async function localTarget(): Promise<ConformanceTarget> {
  // The environment Lambda gives handlers (the fixtures' SDK clients need a region and keys).
  process.env.AWS_REGION ??= LOCAL_REGION;
  process.env.AWS_ACCESS_KEY_ID ??= LOCAL_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= LOCAL_CREDENTIALS.secretAccessKey;
  const issuer = await startJwtIssuer();
  // Handler errors are part of what the suite provokes; print them only when asked to.
  const log = process.env.CONFORMANCE_DEBUG ? (line: string) => process.stderr.write(`${line}\n`) : () => undefined;
  const loader = createHandlerLoader({ rootDir: repositoryRoot, log });
  const webSocketApi = {
    authorizer: { ...wsHandler("authorize"), identitySources: ["route.request.querystring.ticket"] },
    routes: {
      $connect: wsHandler("connect"),
      $disconnect: wsHandler("disconnect"),
      $default: wsHandler("defaultRoute"),
      echo: wsHandler("echo"),
      whoami: wsHandler("whoami"),
      returns: wsHandler("returns"),
      noop: wsHandler("noop"),
      fail: wsHandler("fail"),
    },
  };
  const gateways: Gateway[] = [];
  const start = async (options: Omit<Parameters<typeof startGateway>[0], "loader">) => {
    const gateway = await startGateway({ loader, log, ...options });
    gateways.push(gateway);
    return gateway;
  };
  const main = await start({
    webSocket: webSocketApi,
    http: {
      routes: {
        "GET /items": httpHandler("echo"),
        "GET /scoped": { ...httpHandler("echo"), authorizationScopes: [...scopedRouteScopes] },
        "GET /items/{id}": httpHandler("echo"),
        "GET /items/special": httpHandler("plainObject"),
        "POST /items/{id}/notes": httpHandler("echo"),
        "GET /files/{path+}": httpHandler("echo"),
        "ANY /anything": httpHandler("echo"),
        "GET /string": httpHandler("plainString"),
        "GET /object": httpHandler("plainObject"),
        "GET /custom": httpHandler("custom"),
        "GET /binary": httpHandler("binary"),
        "GET /fail": httpHandler("fail"),
      },
      jwt: { issuer: issuer.issuer, audiences: [audience], jwksUri: issuer.jwksUri },
      cors: {
        allowOrigins: [corsOrigin],
        allowMethods: ["GET", "POST"],
        allowHeaders: ["authorization", "content-type"],
        maxAge: 300,
      },
    },
  });
  const bare = await start({
    webSocket: { routes: { echo: wsHandler("echo"), whoami: wsHandler("whoami"), noop: wsHandler("noop") } },
  });
  const limits = lifetimeLimits();
  const shortLived = await start({ webSocket: { ...webSocketApi, ...limits } });
  // Reserved concurrency needs execution environments as Lambda has them (the in-process loader
  // above runs any number of calls at once).
  const throttledFunctions = createFunctionPools({
    rootDir: repositoryRoot,
    reservedConcurrency: { [slowMessage.handler]: 1, [slowHttp.handler]: 1 },
    log,
  });
  const throttled = await startGateway({
    loader: throttledFunctions,
    log,
    webSocket: { routes: { slow: slowMessage } },
    http: { routes: { "GET /slow": slowHttp } },
  });
  gateways.push(throttled);
  const api = (gateway: Gateway): WebSocketTarget => ({
    wsUrl: gateway.wsUrl,
    managementEndpoint: gateway.managementEndpoint,
  });
  return {
    main: api(main),
    bare: api(bare),
    shortLived: { ...api(shortLived), ...limits },
    throttled: { wsUrl: throttled.wsUrl, httpUrl: throttled.httpUrl, slowMs },
    httpUrl: main.httpUrl,
    corsOrigin,
    tokens: mintTokens(issuer.issuer, (claims, key) => issuer.sign(claims, { key }), audience),
    accessKeyId: LOCAL_CREDENTIALS.accessKeyId,
    region: LOCAL_REGION,
    managementClient: (endpoint) => localManagementApiClient(endpoint),
    async close() {
      await Promise.all(gateways.map((gateway) => gateway.stop()));
      await Promise.all([loader.close(), throttledFunctions.close()]);
      await issuer.close();
    },
  };
}

/** The target of this run: CONFORMANCE_TARGET (a JSON file) for a deployed API, else a local gateway. */
export function startConformanceTarget(): Promise<ConformanceTarget> {
  const file = process.env.CONFORMANCE_TARGET;
  return file ? Promise.resolve(deployedTarget(file)) : localTarget();
}
