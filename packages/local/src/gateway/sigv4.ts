import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { ForbiddenException, InvalidSignatureException, UnrecognizedClientException } from "./errors";

/**
 * SigV4 verification for the `@connections` management API, as API Gateway does it for
 * `execute-api:ManageConnections` callers: the canonical request is rebuilt from what arrived
 * and the signature recomputed with the caller's secret.
 *
 * Written from the AWS SigV4 specification with node:crypto alone, not with the SDK's signer:
 * the SDK clients (stock and the app's fast transport) sign with `@smithy/signature-v4`, so an
 * independent implementation accepting them is evidence that they sign correctly.
 */
export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface SignedRequest {
  readonly method: string;
  /** The request target exactly as received (path and query, still percent-encoded). */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

export interface VerifyOptions {
  readonly credentials: readonly SigningCredentials[];
  readonly region: string;
  readonly service: string;
  /** Epoch ms; a signature dated more than 5 minutes (AWS's skew window) off is refused. */
  readonly now?: number;
}

const algorithm = "AWS4-HMAC-SHA256";
const maxSkewMs = 5 * 60 * 1000;
const signatureMismatch =
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

const sha256Hex = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data).digest();

/** RFC 3986 unreserved characters stay, everything else is %XX (upper case), as SigV4 wants. */
const escapeUri = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * The canonical URI of a non-S3 service: the path as sent, normalized (empty and `.` segments
 * dropped, `..` resolved), then every segment escaped once more (SigV4's double encoding).
 */
function canonicalPath(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && rawPath.endsWith("/") ? "/" : "";
  return `/${segments.map(escapeUri).join("/")}${trailing}`;
}

function canonicalQuery(rawQuery: string): string {
  if (rawQuery === "") return "";
  const pairs: [string, string][] = [];
  for (const [key, value] of new URLSearchParams(rawQuery)) {
    if (key.toLowerCase() === "x-amz-signature") continue;
    pairs.push([escapeUri(key), escapeUri(value)]);
  }
  pairs.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([key, value]) => `${key}=${value}`).join("&");
}

const headerValue = (value: string | string[] | undefined) =>
  (Array.isArray(value) ? value.join(",") : (value ?? "")).trim().replace(/\s+/g, " ");

interface AuthorizationParts {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

function parseAuthorization(header: string): AuthorizationParts | undefined {
  if (!header.startsWith(`${algorithm} `)) return undefined;
  const fields = new Map<string, string>();
  for (const part of header.slice(algorithm.length + 1).split(",")) {
    const index = part.indexOf("=");
    if (index > 0) fields.set(part.slice(0, index).trim(), part.slice(index + 1).trim());
  }
  const credential = fields.get("Credential")?.split("/");
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (credential?.length !== 5 || credential[4] !== "aws4_request" || !signedHeaders || !signature) return undefined;
  const [accessKeyId, date, region, service] = credential as [string, string, string, string];
  return { accessKeyId, date, region, service, signedHeaders: signedHeaders.split(";"), signature };
}

/** `20261126T170102Z` → epoch ms; NaN when malformed. */
function parseAmzDate(value: string): number {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return Number.NaN;
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  return Date.UTC(y as number, (mo as number) - 1, d, h, mi, s);
}

/** Derived signing keys per secret/date/region/service: one HMAC chain per day, not per request. */
const signingKeys = new Map<string, Buffer>();

function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const cacheKey = `${secret}\n${date}\n${region}\n${service}`;
  let key = signingKeys.get(cacheKey);
  if (!key) {
    key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), "aws4_request");
    if (signingKeys.size > 64) signingKeys.clear();
    signingKeys.set(cacheKey, key);
  }
  return key;
}

/** Throws the exception API Gateway answers with when the request is not validly signed. */
export function verifySigV4(request: SignedRequest, options: VerifyOptions): void {
  const authorization = headerValue(request.headers.authorization);
  if (authorization === "") throw new ForbiddenException("Missing Authentication Token");
  const auth = parseAuthorization(authorization);
  if (!auth) {
    throw new InvalidSignatureException(
      `Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters. Authorization=${authorization}`,
    );
  }
  const credentials = options.credentials.find((c) => c.accessKeyId === auth.accessKeyId);
  if (!credentials) throw new UnrecognizedClientException("The security token included in the request is invalid.");
  if (auth.service !== options.service) {
    throw new InvalidSignatureException(`Credential should be scoped to correct service: '${options.service}'.`);
  }
  if (auth.region !== options.region) {
    throw new InvalidSignatureException(`Credential should be scoped to a valid region. `);
  }
  const amzDate = headerValue(request.headers["x-amz-date"]);
  const signedAt = parseAmzDate(amzDate);
  if (!auth.signedHeaders.includes("host") || Number.isNaN(signedAt) || !amzDate.startsWith(auth.date)) {
    throw new InvalidSignatureException(signatureMismatch);
  }
  const now = options.now ?? Date.now();
  if (Math.abs(now - signedAt) > maxSkewMs) {
    throw new InvalidSignatureException(
      `Signature expired: ${amzDate} is now earlier than ${new Date(now - maxSkewMs).toISOString().replace(/[-:]|\.\d{3}/g, "")} (${new Date(now).toISOString().replace(/[-:]|\.\d{3}/g, "")} - 5 min.)`,
    );
  }

  const claimedHash = headerValue(request.headers["x-amz-content-sha256"]);
  const payloadHash = sha256Hex(request.body);
  if (claimedHash !== "" && claimedHash !== "UNSIGNED-PAYLOAD" && claimedHash !== payloadHash) {
    throw new InvalidSignatureException(signatureMismatch);
  }
  const queryAt = request.url.indexOf("?");
  const rawPath = queryAt < 0 ? request.url : request.url.slice(0, queryAt);
  const rawQuery = queryAt < 0 ? "" : request.url.slice(queryAt + 1);
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalPath(rawPath),
    canonicalQuery(rawQuery),
    ...auth.signedHeaders.map((name) => `${name}:${headerValue(request.headers[name])}`),
    "",
    auth.signedHeaders.join(";"),
    claimedHash === "" ? payloadHash : claimedHash,
  ].join("\n");
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = `${algorithm}\n${amzDate}\n${scope}\n${sha256Hex(canonicalRequest)}`;
  const expected = createHmac("sha256", signingKey(credentials.secretAccessKey, auth.date, auth.region, auth.service))
    .update(stringToSign)
    .digest();
  const given = Buffer.from(auth.signature, "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new InvalidSignatureException(signatureMismatch);
  }
}
