/**
 * A lean client for API Gateway's `@connections` API (PostToConnection, GetConnection,
 * DeleteConnection), for the fan-out's hot path.
 *
 * Why not the SDK's `ApiGatewayManagementApiClient`: per call it runs its whole middleware stack
 * and endpoint-rules evaluation, about 1.1 ms of CPU on the reference machine, which caps one
 * process near 900 posts/s. This transport keeps what matters and drops the rest:
 *  - SigV4 signatures that are the SDK's, byte for byte (`SigV4Signer`: a test re-signs every
 *    request the SDK client sent and compares, another compares it with the SDK's `SignatureV4`
 *    on randomized requests), at a fifth of the SDK signer's CPU;
 *  - credentials from the SDK's default provider chain, resolved once and refreshed ahead of
 *    their expiry (Lambda's role credentials are session credentials that expire);
 *  - a few keep-alive connections, pipelined (`Http1Pipeline`): a burst of posts leaves in one
 *    write per connection instead of one request, write and read per post, and never opens
 *    thousands of connections;
 *  - errors carry the names and `$metadata.httpStatusCode` the SDK gives them
 *    (`GoneException` 410, `PayloadTooLargeException` 413, `LimitExceededException` 429,
 *    `ForbiddenException` 403…), so callers keep testing `err.name`; throttling, 5xx and
 *    network errors are retried like the SDK's standard retry mode (3 attempts, jittered).
 * It also answers `send(command)` for the three SDK commands, so it drops in where the SDK
 * client was used.
 */
import {
  DeleteConnectionCommand,
  GetConnectionCommand,
  type GetConnectionCommandOutput,
  PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { Http1Pipeline, type PipelineResponse } from "./http1-pipeline";
import { escapeUri, SigV4Signer, type SignableRequest } from "./sigv4-signer";

export interface ConnectionsTransportOptions {
  /** The management endpoint: `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}` (or the local gateway's). */
  endpoint: string;
  /** Signing region; default AWS_REGION, else the endpoint's host, else us-east-1. */
  region?: string;
  /** Default: the SDK's default provider chain (env, Lambda's role, profiles…). */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Connections to the endpoint at most. Default 4. */
  connections?: number;
  /** Requests in flight on one connection at most (HTTP/1.1 pipelining; 1 turns it off). Default 32. */
  pipelining?: number;
  /** Per attempt. Default 10 s. */
  timeoutMs?: number;
  /** Attempts for throttling, 5xx and network errors (the SDK's standard mode: 3). */
  maxAttempts?: number;
  /** Refresh expiring credentials this long before they expire. Default 5 minutes. */
  refreshBeforeExpiryMs?: number;
}

/** An error as the SDK would have thrown it: `name`, `$metadata.httpStatusCode`, `$fault`. */
export class ConnectionsApiError extends Error {
  readonly $fault: "client" | "server";
  readonly $metadata: { httpStatusCode?: number; requestId?: string; attempts: number };
  constructor(name: string, message: string, status: number | undefined, requestId: string | undefined, attempts: number) {
    super(message);
    this.name = name;
    this.$fault = status !== undefined && status < 500 ? "client" : "server";
    this.$metadata = { httpStatusCode: status, requestId, attempts };
  }
}

/** The names the SDK derives from the status when the response names no error type. */
const nameByStatus: Record<number, string> = {
  400: "BadRequestException",
  403: "ForbiddenException",
  410: "GoneException",
  413: "PayloadTooLargeException",
  429: "LimitExceededException",
};

/** Credentials resolved once, refreshed ahead of expiry; concurrent callers share one refresh. */
export function cachedCredentials(
  source: AwsCredentialIdentity | AwsCredentialIdentityProvider,
  refreshBeforeExpiryMs = 5 * 60 * 1000,
): AwsCredentialIdentityProvider {
  if (typeof source !== "function") return async () => source;
  let current: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  const fresh = (c: AwsCredentialIdentity | undefined) =>
    c !== undefined && (c.expiration === undefined || c.expiration.getTime() - Date.now() > refreshBeforeExpiryMs);
  return async () => {
    if (fresh(current)) return current as AwsCredentialIdentity;
    pending ??= source()
      .then((resolved) => {
        current = resolved;
        return resolved;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}

export type { SignableRequest };

export class ConnectionsTransport {
  private readonly url: URL;
  private readonly basePath: string;
  private readonly signer: SigV4Signer;
  private readonly pipeline: Http1Pipeline;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly host: string;

  constructor(options: ConnectionsTransportOptions) {
    this.url = new URL(options.endpoint);
    this.basePath = this.url.pathname.replace(/\/+$/, "");
    this.host = this.url.host;
    const region = options.region ?? process.env.AWS_REGION ?? /\.execute-api\.([a-z0-9-]+)\./.exec(this.url.hostname)?.[1] ?? "us-east-1";
    this.signer = new SigV4Signer(cachedCredentials(options.credentials ?? defaultProvider(), options.refreshBeforeExpiryMs), region, "execute-api");
    this.pipeline = new Http1Pipeline({ origin: this.url.origin, connections: options.connections, depth: options.pipelining });
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxAttempts = options.maxAttempts ?? 3;
  }

  async postToConnection(connectionId: string, data: Uint8Array | string): Promise<void> {
    const body = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    await this.call("POST", connectionId, body);
  }

  async getConnection(connectionId: string): Promise<Omit<GetConnectionCommandOutput, "$metadata">> {
    const { body } = await this.call("GET", connectionId);
    const parsed = JSON.parse(body.toString("utf8")) as {
      connectedAt?: string;
      lastActiveAt?: string;
      identity?: { sourceIp?: string; userAgent?: string };
    };
    return {
      ConnectedAt: parsed.connectedAt ? new Date(parsed.connectedAt) : undefined,
      LastActiveAt: parsed.lastActiveAt ? new Date(parsed.lastActiveAt) : undefined,
      Identity: parsed.identity ? { SourceIp: parsed.identity.sourceIp, UserAgent: parsed.identity.userAgent } : undefined,
    };
  }

  async deleteConnection(connectionId: string): Promise<void> {
    await this.call("DELETE", connectionId);
  }

  /** The SDK client's `send` for the three `@connections` commands. */
  async send(command: PostToConnectionCommand | GetConnectionCommand | DeleteConnectionCommand): Promise<unknown> {
    if (command instanceof PostToConnectionCommand) {
      const { ConnectionId, Data } = command.input;
      return this.postToConnection(ConnectionId as string, Data as Uint8Array | string).then(() => ({ $metadata: {} }));
    }
    if (command instanceof GetConnectionCommand) {
      return this.getConnection(command.input.ConnectionId as string).then((out) => ({ ...out, $metadata: {} }));
    }
    if (command instanceof DeleteConnectionCommand) {
      return this.deleteConnection(command.input.ConnectionId as string).then(() => ({ $metadata: {} }));
    }
    throw new TypeError("ConnectionsTransport sends PostToConnection, GetConnection and DeleteConnection commands only");
  }

  destroy(): void {
    this.pipeline.destroy();
  }

  /** Sign a request as the SDK does (exposed for the signature-equality test). */
  sign(request: SignableRequest, signingDate?: Date): Promise<Record<string, string>> {
    return this.signer.sign(request, signingDate);
  }

  private async call(method: "POST" | "GET" | "DELETE", connectionId: string, body?: Uint8Array): Promise<{ status: number; body: Buffer }> {
    const path = `${this.basePath}/@connections/${escapeUri(connectionId)}`;
    for (let attempt = 1; ; attempt++) {
      const headers: Record<string, string> = { host: this.host };
      if (body !== undefined) {
        headers["content-type"] = "application/octet-stream";
        headers["content-length"] = String(body.byteLength);
      }
      let outcome: PipelineResponse | undefined;
      let failure: ConnectionsApiError;
      try {
        // Re-signed per attempt: the date moves, and a retried request must not be a replay.
        const signed = await this.sign({ method, path, headers, body });
        outcome = await this.pipeline.request(method, path, signed, body, this.timeoutMs);
        if (outcome.status < 300) return outcome;
        failure = this.errorOf(outcome, attempt);
      } catch (error) {
        if (error instanceof ConnectionsApiError) throw error;
        const e = error as Error & { code?: string };
        failure = new ConnectionsApiError(e.name === "TimeoutError" ? "TimeoutError" : (e.code ?? e.name ?? "NetworkingError"), e.message, undefined, undefined, attempt);
      }
      const status = failure.$metadata.httpStatusCode;
      const retryable = status === undefined || status === 429 || status >= 500;
      if (!retryable || attempt >= this.maxAttempts) throw failure;
      // The SDK's standard mode: full jitter on an exponential base of 100 ms, capped at 20 s.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(20_000, 100 * 2 ** (attempt - 1))));
    }
  }

  private errorOf(response: PipelineResponse, attempts: number): ConnectionsApiError {
    let message = `HTTP ${response.status}`;
    let typeFromBody: string | undefined;
    try {
      const parsed = JSON.parse(response.body.toString("utf8")) as { message?: string; Message?: string; __type?: string };
      message = parsed.message ?? parsed.Message ?? message;
      typeFromBody = parsed.__type;
    } catch {
      // Not JSON: keep the status line as the message.
    }
    const rawType = response.headers["x-amzn-errortype"] ?? typeFromBody;
    // `x-amzn-ErrorType` may carry `:http://…` or a namespace prefix (`aws.foo#Name`): the SDK keeps the bare name.
    const name = rawType?.split(":")[0]?.split("#").pop() || nameByStatus[response.status] || (response.status >= 500 ? "InternalServerErrorException" : "UnknownError");
    return new ConnectionsApiError(name, message, response.status, response.headers["x-amzn-requestid"], attempts);
  }
}
