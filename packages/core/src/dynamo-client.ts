/**
 * DynamoDB's JSON protocol (`application/x-amz-json-1.0`, `X-Amz-Target: DynamoDB_20120810.<Op>`),
 * signed with SigV4 and sent over keep-alive HTTP: the wire client behind `dynamo()` (dynamo.ts).
 *
 * Why not `@aws-sdk/client-dynamodb`: bundled as SST bundles a function, the SDK client is
 * ~320 KB of every handler (its schema serde, endpoint rules, middleware stack, the credential
 * chain) for the eight operations the app sends; this is a few KB (docs/benchmarks.md, "Bundles").
 * What it keeps of the SDK's behaviour:
 *  - the request bytes the SDK sends (the same JSON, target, content type and SigV4 signature:
 *    `SigV4Signer` is the SDK's byte for byte, sigv4-signer.test.ts);
 *  - the SDK's standard retry mode (`RetryPolicy.sdkStandard`: 3 attempts, full jitter) for
 *    throttling, 5xx and network errors — DynamoDB's documented advice;
 *  - errors as the SDK throws them: `name` from `__type` without its namespace, the body's
 *    members on the error (`Item` of a failed condition, `CancellationReasons` of a cancelled
 *    transaction), `$metadata.httpStatusCode`, `$fault`;
 *  - a keep-alive agent per process, as the SDK's `NodeHttpHandler` keeps one.
 * The regional endpoint is `dynamodb.{region}.amazonaws.com` (`.com.cn` in China regions);
 * `LIVE_ORDERS_DYNAMODB_ENDPOINT` replaces it locally (config.ts).
 */
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { awsRegion, type CredentialProvider, credentials as processCredentials } from "./aws-credentials";
import { RetryPolicy, retry } from "./retry";
import { SigV4Signer } from "./sigv4-signer";

/** The operations the app sends (each billed differently: see cost-model.ts). */
export type DynamoOperation =
  | "GetItem"
  | "PutItem"
  | "UpdateItem"
  | "DeleteItem"
  | "Query"
  | "BatchGetItem"
  | "BatchWriteItem"
  | "TransactWriteItems";

/** An error DynamoDB answered with, shaped as the SDK's service exceptions. */
export class DynamoServiceError extends Error {
  readonly $fault: "client" | "server";
  readonly $metadata: { httpStatusCode?: number; requestId?: string; attempts: number };
  constructor(name: string, message: string, status: number | undefined, requestId: string | undefined) {
    super(message);
    this.name = name;
    this.$fault = status !== undefined && status < 500 ? "client" : "server";
    this.$metadata = { httpStatusCode: status, requestId, attempts: 1 };
  }
}

/** What the SDK's standard mode retries for DynamoDB: throttling, 5xx, no response at all. */
const throttling = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "TooManyRequestsException",
  "ThrottledException",
  "LimitExceededException",
  "TransactionInProgressException",
]);
function isRetryable(error: unknown): boolean {
  if (!(error instanceof DynamoServiceError)) return true;
  const status = error.$metadata.httpStatusCode;
  return status === undefined || status >= 500 || throttling.has(error.name);
}

export interface DynamoWireOptions {
  /** Default: the regional endpoint of `region`. */
  endpoint?: string;
  region?: string;
  credentials?: CredentialProvider;
}

export class DynamoWireClient {
  private readonly url: URL;
  private readonly signer: SigV4Signer;
  private readonly agent: HttpAgent;
  private readonly send: typeof httpRequest;

  constructor(options: DynamoWireOptions = {}) {
    const region = options.region ?? awsRegion();
    const suffix = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
    this.url = new URL(options.endpoint ?? `https://dynamodb.${region}.${suffix}`);
    this.signer = new SigV4Signer(options.credentials ?? processCredentials, region, "dynamodb");
    const https = this.url.protocol === "https:";
    // The SDK's NodeHttpHandler: keep-alive, 50 sockets per origin.
    this.agent = https
      ? new HttpsAgent({ keepAlive: true, maxSockets: 50 })
      : new HttpAgent({ keepAlive: true, maxSockets: 50 });
    this.send = https ? httpsRequest : httpRequest;
  }

  /** One operation: the JSON request in, the JSON response out (retried as the SDK retries). */
  call(operation: DynamoOperation, input: object): Promise<Record<string, unknown>> {
    const body = Buffer.from(JSON.stringify(input), "utf8");
    const path = this.url.pathname || "/";
    const headers = {
      host: this.url.host,
      "content-type": "application/x-amz-json-1.0",
      "x-amz-target": `DynamoDB_20120810.${operation}`,
      "content-length": String(body.byteLength),
    };
    return retry(
      async (attempt) => {
        try {
          const signed = await this.signer.sign({ method: "POST", path, headers, body });
          return await this.exchange(path, signed, body);
        } catch (error) {
          if (error instanceof DynamoServiceError) (error.$metadata as { attempts: number }).attempts = attempt + 1;
          throw error;
        }
      },
      { policy: RetryPolicy.sdkStandard, retryable: isRetryable },
    );
  }

  destroy(): void {
    this.agent.destroy();
  }

  private exchange(path: string, headers: Record<string, string>, body: Buffer): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const request = this.send(
        {
          protocol: this.url.protocol,
          hostname: this.url.hostname,
          port: this.url.port,
          path,
          method: "POST",
          headers,
          agent: this.agent,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("error", reject);
          response.on("end", () => {
            const status = response.statusCode ?? 0;
            const text = Buffer.concat(chunks).toString("utf8");
            let parsed: Record<string, unknown> = {};
            try {
              parsed = text.length === 0 ? {} : (JSON.parse(text) as Record<string, unknown>);
            } catch {
              if (status < 300)
                return reject(
                  new DynamoServiceError(
                    "SerializationException",
                    `not JSON: ${text.slice(0, 200)}`,
                    status,
                    undefined,
                  ),
                );
            }
            if (status < 300) return resolve(parsed);
            reject(errorOf(status, parsed, response.headers["x-amzn-requestid"] as string | undefined));
          });
        },
      );
      request.on("error", reject);
      request.end(body);
    });
  }
}

function errorOf(status: number, body: Record<string, unknown>, requestId: string | undefined): DynamoServiceError {
  const type = typeof body.__type === "string" ? body.__type : "";
  const name = type.split("#").pop() || (status >= 500 ? "InternalServerError" : "UnknownError");
  const message = String(body.message ?? body.Message ?? `HTTP ${status}`);
  const error = new DynamoServiceError(name, message, status, requestId);
  for (const [key, value] of Object.entries(body)) {
    if (key !== "__type" && key !== "message" && key !== "Message")
      (error as unknown as Record<string, unknown>)[key] = value;
  }
  return error;
}
