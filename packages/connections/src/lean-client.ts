/**
 * The lean client for API Gateway's `@connections` API (PostToConnection, GetConnection,
 * DeleteConnection), for the fan-out's hot path; the default (`LIVE_ORDERS_CONNECTIONS_CLIENT`,
 * see packages/functions/src/config.ts).
 *
 * Why not the SDK's `ApiGatewayManagementApiClient` (sdk-client.ts): per call it runs its whole
 * middleware stack and endpoint-rules evaluation, whose CPU caps how many posts one process makes
 * per second (docs/benchmarks.md, "Figures behind choices in the code"). This client keeps what matters
 * and drops the rest:
 *  - SigV4 signatures that are the SDK's, byte for byte (`SigV4Signer`: a test re-signs every
 *    request the SDK client sent and compares, another compares it with the SDK's `SignatureV4`
 *    on randomized requests), at a fifth of the SDK signer's CPU;
 *  - credentials from the environment, where Lambda puts the role's (core/aws-credentials.ts:
 *    `fromEnv`'s reading, without the 130 KB provider chain that never gets past it on Lambda);
 *    a process elsewhere hands it the SDK's `defaultProvider()` (`useCredentialProvider`);
 *  - a keep-alive pool (`Http1Pipeline`) as wide as the fan-out's concurrency, one request in
 *    flight per connection as the SDK sends them (transport-settings.ts), a 3 s timeout per
 *    attempt; pipelining only where a function opts in;
 *  - errors carry the names and `$metadata.httpStatusCode` the SDK gives them
 *    (`GoneException` 410, `PayloadTooLargeException` 413, `LimitExceededException` 429,
 *    `ForbiddenException` 403…), so callers keep testing `err.name`; throttling, 5xx and
 *    network errors are retried like the SDK's standard retry mode (`RetryPolicy.sdkStandard`).
 */
import { hash } from "node:crypto";
import type { GetConnectionCommandOutput } from "@aws-sdk/client-apigatewaymanagementapi";
import { credentials as processCredentials } from "@live-orders/core/aws-credentials";
import type { ConnectionLookup, ConnectionsApi } from "@live-orders/core/connections-api";
import { type BackoffPolicy, RetryPolicy, retry } from "@live-orders/core/retry";
import { escapeUri, type SignableRequest, SigV4Signer } from "@live-orders/core/sigv4-signer";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { ConnectionsApiError } from "./errors";
import { Http1Pipeline, type PipelineResponse, type PipelineStats } from "./http1-pipeline";
import { transportDefaults } from "./transport-settings";

export interface LeanClientOptions {
  /** The management endpoint: `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}` (or the local gateway's). */
  endpoint: string;
  /** Signing region; default AWS_REGION, else the endpoint's host, else us-east-1. */
  region?: string;
  /** Default: the process's (core/aws-credentials.ts: the environment's, as Lambda sets them). */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Connections to the endpoint at most. Default `transportDefaults.connections`. */
  connections?: number;
  /** Requests in flight on one connection at most (HTTP/1.1 pipelining). Default 1: none. */
  pipelining?: number;
  /** Per attempt. Default `transportDefaults.attemptTimeoutMs`. */
  timeoutMs?: number;
  /** Idle keep-alive connections are closed after this long. Default `transportDefaults.idleTimeoutMs`. */
  idleTimeoutMs?: number;
  /** Certificate authorities to trust instead of Node's (tests against a self-signed HTTPS server). */
  ca?: string | readonly string[];
  /** Attempts for throttling, 5xx and network errors (the SDK's standard mode: 3). */
  maxAttempts?: number;
}

/** The names the SDK derives from the status when the response names no error type. */
const nameByStatus: Record<number, string> = {
  400: "BadRequestException",
  403: "ForbiddenException",
  410: "GoneException",
  413: "PayloadTooLargeException",
  429: "LimitExceededException",
};

/** What the SDK's standard mode retries: throttling, 5xx, and failures with no HTTP response. */
function isRetryableFailure(error: unknown): boolean {
  const status = (error as ConnectionsApiError).$metadata.httpStatusCode;
  return status === undefined || status === 429 || status >= 500;
}

export type { SignableRequest };

/** GetConnection's answer, as the SDK's client returns it. */
export type ConnectionInfo = Omit<GetConnectionCommandOutput, "$metadata">;

export class LeanConnectionsClient implements ConnectionsApi, ConnectionLookup {
  private readonly url: URL;
  private readonly basePath: string;
  private readonly signer: SigV4Signer;
  private readonly pipeline: Http1Pipeline;
  private readonly timeoutMs: number;
  private readonly policy: BackoffPolicy;
  private readonly host: string;
  private lastPayload: { bytes: Buffer; sha256: string } | undefined;

  constructor(options: LeanClientOptions) {
    this.url = new URL(options.endpoint);
    this.basePath = this.url.pathname.replace(/\/+$/, "");
    this.host = this.url.host;
    const region =
      options.region ??
      process.env.AWS_REGION ??
      /\.execute-api\.([a-z0-9-]+)\./.exec(this.url.hostname)?.[1] ??
      "us-east-1";
    const credentials = options.credentials ?? processCredentials;
    this.signer = new SigV4Signer(
      typeof credentials === "function" ? credentials : async () => credentials,
      region,
      "execute-api",
    );
    this.pipeline = new Http1Pipeline({
      origin: this.url.origin,
      connections: options.connections,
      depth: options.pipelining,
      idleTimeoutMs: options.idleTimeoutMs,
      ca: options.ca,
    });
    this.timeoutMs = options.timeoutMs ?? transportDefaults.attemptTimeoutMs;
    this.policy = { ...RetryPolicy.sdkStandard, attempts: options.maxAttempts ?? RetryPolicy.sdkStandard.attempts };
  }

  async post(connectionId: string, data: Uint8Array | string): Promise<void> {
    const body = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    await this.call("POST", connectionId, body, this.payloadHash(body));
  }

  /**
   * The body's SHA-256 for its signature. A fan-out posts one frame to every subscriber, so the
   * last body's hash is kept and reused while the bytes are the same (compared, not assumed:
   * a caller may reuse a buffer).
   */
  private payloadHash(body: Uint8Array): string {
    const last = this.lastPayload;
    if (last?.bytes.equals(body)) return last.sha256;
    const sha256 = hash("sha256", body, "hex");
    this.lastPayload = { bytes: Buffer.from(body), sha256 };
    return sha256;
  }

  async getConnection(connectionId: string): Promise<ConnectionInfo> {
    const { body } = await this.call("GET", connectionId);
    const parsed = JSON.parse(body.toString("utf8")) as {
      connectedAt?: string;
      lastActiveAt?: string;
      identity?: { sourceIp?: string; userAgent?: string };
    };
    return {
      ConnectedAt: parsed.connectedAt ? new Date(parsed.connectedAt) : undefined,
      LastActiveAt: parsed.lastActiveAt ? new Date(parsed.lastActiveAt) : undefined,
      Identity: parsed.identity
        ? { SourceIp: parsed.identity.sourceIp, UserAgent: parsed.identity.userAgent }
        : undefined,
    };
  }

  async delete(connectionId: string): Promise<void> {
    await this.call("DELETE", connectionId);
  }

  destroy(): void {
    this.pipeline.destroy();
  }

  /** Connections opened and requests written or handed back so far (tests, the benchmark). */
  stats(): PipelineStats {
    return this.pipeline.stats();
  }

  /** Sign a request as the SDK does (exposed for the signature-equality test). */
  sign(request: SignableRequest, signingDate?: Date): Promise<Record<string, string>> {
    return this.signer.sign(request, signingDate);
  }

  private call(
    method: "POST" | "GET" | "DELETE",
    connectionId: string,
    body?: Uint8Array,
    payloadHash?: string,
  ): Promise<PipelineResponse> {
    const path = `${this.basePath}/@connections/${escapeUri(connectionId)}`;
    const headers: Record<string, string> = { host: this.host };
    if (body !== undefined) {
      headers["content-type"] = "application/octet-stream";
      headers["content-length"] = String(body.byteLength);
    }
    // The header the signer would add with this value (the SDK's signer sets it on every request).
    if (payloadHash !== undefined) headers["x-amz-content-sha256"] = payloadHash;
    return retry(
      async (attempt) => {
        let response: PipelineResponse;
        try {
          // Re-signed per attempt: the date moves, and a retried request must not be a replay.
          const signed = await this.sign({ method, path, headers, body });
          response = await this.pipeline.request(method, path, signed, body, this.timeoutMs);
        } catch (error) {
          const e = error as Error & { code?: string };
          throw new ConnectionsApiError(
            e.name === "TimeoutError" ? "TimeoutError" : (e.code ?? e.name ?? "NetworkingError"),
            e.message,
            undefined,
            undefined,
            attempt + 1,
          );
        }
        if (response.status >= 300) throw this.errorOf(response, attempt + 1);
        return response;
      },
      { policy: this.policy, retryable: isRetryableFailure },
    );
  }

  private errorOf(response: PipelineResponse, attempts: number): ConnectionsApiError {
    let message = `HTTP ${response.status}`;
    let typeFromBody: string | undefined;
    try {
      const parsed = JSON.parse(response.body.toString("utf8")) as {
        message?: string;
        Message?: string;
        __type?: string;
      };
      message = parsed.message ?? parsed.Message ?? message;
      typeFromBody = parsed.__type;
    } catch {
      // Not JSON: keep the status line as the message.
    }
    const rawType = response.headers["x-amzn-errortype"] ?? typeFromBody;
    // `x-amzn-ErrorType` may carry `:http://…` or a namespace prefix (`aws.foo#Name`): the SDK keeps the bare name.
    const name =
      rawType?.split(":")[0]?.split("#").pop() ||
      nameByStatus[response.status] ||
      (response.status >= 500 ? "InternalServerErrorException" : "UnknownError");
    return new ConnectionsApiError(name, message, response.status, response.headers["x-amzn-requestid"], attempts);
  }
}
