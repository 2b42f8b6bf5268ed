/**
 * AWS Signature Version 4 for header-signed requests, producing exactly what the SDK's signer
 * (`SignatureV4` from `@smithy/signature-v4`, which `ApiGatewayManagementApiClient` uses) puts on
 * the same request: `x-amz-date`, `x-amz-security-token`, `x-amz-content-sha256` and the
 * `Authorization` header, byte for byte (sigv4-signer.test.ts signs randomized requests with both
 * and compares; connections-transport.test.ts re-signs requests the SDK client sent).
 *
 * Why not `SignatureV4` itself: it is general (presigning, query signing, async hash classes,
 * a fresh HMAC of the secret per request to key its cache), the largest single share of a
 * fan-out's per-post CPU on the sending side (docs/benchmarks.md, "Figures behind choices in the
 * code"). This signs in one synchronous pass: two SHA-256 and one HMAC per request, the
 * signing key derived once per day, region, service and credentials; the hashes are Node's
 * one-shot `crypto.hash` (no Hash object per call), and the common case of each canonical form
 * (a header value with nothing to fold, a path with nothing to escape) is tested for, not rebuilt.
 */
import { createHmac, hash } from "node:crypto";
import type { AwsCredentialIdentity } from "@smithy/types";

export interface SignableRequest {
  method: string;
  /** Path as sent (labels already encoded). */
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array;
}

const algorithm = "AWS4-HMAC-SHA256";
const emptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/** The SDK's: headers proxies and hops change, never signed. */
const unsignable = new Set([
  "authorization",
  "cache-control",
  "connection",
  "expect",
  "from",
  "keep-alive",
  "max-forwards",
  "pragma",
  "referer",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "user-agent",
  "x-amzn-trace-id",
]);
/** Headers the signer sets itself, dropped from the input as the SDK drops them. */
const generated = new Set(["authorization", "x-amz-date", "date"]);

/** RFC 3986's unreserved characters: what no URI escaping changes. */
const unreserved = /^[A-Za-z0-9\-_.~]*$/;

/** `encodeURIComponent` plus `!'()*`: the SDK's URI escaping. */
export const escapeUri = (value: string) =>
  unreserved.test(value)
    ? value
    : encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** A path of non-empty segments of unreserved characters and `%`, none of them `.` or `..`. */
const plainPath = /^(?:\/(?!\.\.?(?:\/|$))[A-Za-z0-9\-_.~%]+)+\/?$/;

/** The SDK's canonical path for non-S3 services: dot segments resolved, then encoded again. */
function canonicalPath(path: string): string {
  // Nothing to resolve, and escaping changes only `%` (`/@connections/abc%3D` → `%253D`).
  if (plainPath.test(path)) return path.includes("%") ? path.replace(/%/g, "%25") : path;
  const segments: string[] = [];
  for (const segment of path.split("/")) {
    if (segment.length === 0 || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  const normalized = `${path.startsWith("/") ? "/" : ""}${segments.join("/")}${segments.length > 0 && path.endsWith("/") ? "/" : ""}`;
  return escapeUri(normalized).replace(/%2F/g, "/");
}

const needsFolding = /[\r\n\t]| {2}|^ | $/;
const canonicalValue = (value: string) =>
  needsFolding.test(value)
    ? value
        .replace(/[\r\n]/g, " ")
        .replace(/[ \t]+/g, " ")
        .replace(/^ | $/g, "")
    : value;

export class SigV4Signer {
  private cachedKey: { scope: string; secret: string; sessionToken: string | undefined; key: Buffer } | undefined;
  private cachedDate: { second: number; longDate: string } | undefined;

  constructor(
    private readonly credentials: () => Promise<AwsCredentialIdentity>,
    private readonly region: string,
    private readonly service: string,
  ) {}

  /** The request's headers with the signature headers added (the input is not modified). */
  async sign(request: SignableRequest, signingDate: Date = new Date()): Promise<Record<string, string>> {
    const credentials = await this.credentials();
    const longDate = this.longDate(signingDate);
    const shortDate = longDate.slice(0, 8);
    const scope = `${shortDate}/${this.region}/${this.service}/aws4_request`;

    const headers: Record<string, string> = {};
    let payloadHash: string | undefined;
    for (const name in request.headers) {
      const lower = name.toLowerCase();
      if (generated.has(lower)) continue;
      headers[name] = request.headers[name] as string;
      if (lower === "x-amz-content-sha256") payloadHash = headers[name];
    }
    headers["x-amz-date"] = longDate;
    if (credentials.sessionToken) headers["x-amz-security-token"] = credentials.sessionToken;
    if (payloadHash === undefined) {
      payloadHash = request.body === undefined ? emptySha256 : hash("sha256", request.body, "hex");
      headers["x-amz-content-sha256"] = payloadHash;
    }

    // Sorted by the names as given, then lower-cased: the SDK's order, collisions included.
    const canonical = new Map<string, string>();
    for (const name of Object.keys(headers).sort()) {
      const lower = name.toLowerCase();
      if (unsignable.has(lower) || lower.startsWith("proxy-") || lower.startsWith("sec-")) continue;
      canonical.set(lower, canonicalValue(headers[name] as string));
    }
    const signedNames = [...canonical.keys()].sort();
    let canonicalRequest = `${request.method}\n${canonicalPath(request.path)}\n\n`;
    for (const name of signedNames) canonicalRequest += `${name}:${canonical.get(name)}\n`;
    const signedHeaders = signedNames.join(";");
    canonicalRequest += `\n${signedHeaders}\n${payloadHash}`;

    const stringToSign = `${algorithm}\n${longDate}\n${scope}\n${hash("sha256", canonicalRequest, "hex")}`;
    const signature = createHmac("sha256", this.signingKey(credentials, scope, shortDate))
      .update(stringToSign)
      .digest("hex");
    headers.authorization = `${algorithm} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
    return headers;
  }

  /** `yyyymmddThhmmssZ`, formatted once per second. */
  private longDate(date: Date): string {
    const second = Math.floor(date.getTime() / 1000);
    if (this.cachedDate?.second !== second) {
      this.cachedDate = {
        second,
        longDate: date
          .toISOString()
          .replace(/\.\d{3}Z$/, "Z")
          .replace(/[-:]/g, ""),
      };
    }
    return this.cachedDate.longDate;
  }

  private signingKey(credentials: AwsCredentialIdentity, scope: string, shortDate: string): Buffer {
    const cached = this.cachedKey;
    if (
      cached?.scope === scope &&
      cached.secret === credentials.secretAccessKey &&
      cached.sessionToken === credentials.sessionToken
    ) {
      return cached.key;
    }
    let key: Buffer = createHmac("sha256", `AWS4${credentials.secretAccessKey}`).update(shortDate).digest();
    for (const part of [this.region, this.service, "aws4_request"])
      key = createHmac("sha256", key).update(part).digest();
    this.cachedKey = { scope, secret: credentials.secretAccessKey, sessionToken: credentials.sessionToken, key };
    return key;
  }
}
