import { createHmac, hash, timingSafeEqual } from "node:crypto";
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

// One-shot `hash` (Node 20.12+): half the cost of createHash().update().digest() on inputs this small.
const sha256Hex = (data: string | Buffer) => hash("sha256", data, "hex");
const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data).digest();

/** RFC 3986 unreserved characters stay, everything else is %XX (upper case), as SigV4 wants. */
const escapeUri = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * Non-empty segments of unreserved characters, `%` and `@` (what an `@connections` path with an
 * escaped connection id is), none starting with a dot: normalization leaves such a path as it
 * is and escaping changes only its `%` and `@`.
 */
const plainPath = /^(?:\/[\w~%@-][\w.~%@-]*)+$/;

/**
 * The canonical URI of a non-S3 service: the path as sent, normalized (empty and `.` segments
 * dropped, `..` resolved), then every segment escaped once more (SigV4's double encoding).
 */
function canonicalPath(rawPath: string): string {
  if (plainPath.test(rawPath)) return rawPath.replaceAll("%", "%25").replaceAll("@", "%40");
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

const otherThanSpace = /[^\S ]/;

const headerValue = (value: string | string[] | undefined): string => {
  // Already canonical (the usual case) when its only whitespace is single spaces inside it.
  if (
    typeof value === "string" &&
    value.charCodeAt(0) !== 32 &&
    value.charCodeAt(value.length - 1) !== 32 &&
    !value.includes("  ") &&
    !otherThanSpace.test(value)
  ) {
    return value;
  }
  return (Array.isArray(value) ? value.join(",") : (value ?? "")).trim().replace(/\s+/g, " ");
};

/** What an Authorization header says besides its signature. */
interface CredentialScope {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  /** `SignedHeaders` as sent (the same names joined again would give the same text). */
  readonly signedHeadersText: string;
  readonly signsHost: boolean;
}

interface AuthorizationParts {
  readonly scope: CredentialScope;
  readonly signature: string;
}

function authorizationFields(fields: Map<string, string>, text: string): void {
  for (const part of text.split(",")) {
    const index = part.indexOf("=");
    if (index > 0) fields.set(part.slice(0, index).trim(), part.slice(index + 1).trim());
  }
}

function scopeOf(fields: Map<string, string>): CredentialScope | undefined {
  const credential = fields.get("Credential")?.split("/");
  const signedHeaders = fields.get("SignedHeaders");
  if (credential?.length !== 5 || credential[4] !== "aws4_request" || !signedHeaders) return undefined;
  const [accessKeyId, date, region, service] = credential as [string, string, string, string];
  const names = signedHeaders.split(";");
  return {
    accessKeyId,
    date,
    region,
    service,
    signedHeaders: names,
    signedHeadersText: signedHeaders,
    signsHost: names.includes("host"),
  };
}

/**
 * A caller's Authorization headers differ from one request to the next only in their last field,
 * the signature: what comes before it is parsed once and kept, keyed by that text exactly. The fields are the same as parsing the whole
 * header: the last field is applied after the others, as a whole-header parse applies it.
 */
let lastAuthorizationHead: string | undefined;
let lastAuthorizationScope: CredentialScope | undefined;

function parseAuthorization(header: string): AuthorizationParts | undefined {
  if (!header.startsWith(`${algorithm} `)) return undefined;
  const lastComma = header.lastIndexOf(",");
  const lastField = header.slice(lastComma + 1);
  const equals = lastField.indexOf("=");
  if (lastComma > 0 && equals > 0 && lastField.slice(0, equals).trim() === "Signature") {
    const signature = lastField.slice(equals + 1).trim();
    const head = header.slice(0, lastComma);
    if (head !== lastAuthorizationHead) {
      const fields = new Map<string, string>();
      authorizationFields(fields, head.slice(algorithm.length + 1));
      lastAuthorizationScope = scopeOf(fields);
      lastAuthorizationHead = head;
    }
    if (!lastAuthorizationScope || !signature) return undefined;
    return { scope: lastAuthorizationScope, signature };
  }
  const fields = new Map<string, string>();
  authorizationFields(fields, header.slice(algorithm.length + 1));
  const scope = scopeOf(fields);
  const signature = fields.get("Signature");
  return scope && signature ? { scope, signature } : undefined;
}

/** `20261126T170102Z` → epoch ms; NaN when malformed. One date is sent by many requests in a row. */
let lastAmzDate = "";
let lastAmzDateMs = Number.NaN;

function parseAmzDate(value: string): number {
  if (value === lastAmzDate) return lastAmzDateMs;
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  let ms = Number.NaN;
  if (match) {
    const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
    ms = Date.UTC(y as number, (mo as number) - 1, d, h, mi, s);
  }
  lastAmzDate = value;
  lastAmzDateMs = ms;
  return ms;
}
/**
 * HMAC-SHA256 (RFC 2104) under a key fixed ahead: its padded inner and outer blocks are made once,
 * and a MAC is two one-shot `hash` calls. node:crypto's `createHmac` imports the key anew on
 * every call, which costs more than the two hashes themselves (docs/benchmarks.md).
 */
class FixedKeyHmac {
  /** The inner pad, then room for the message. */
  private readonly inner = Buffer.alloc(64 + 1024);
  /** The outer pad, then the inner digest. */
  private readonly outer = Buffer.alloc(64 + 32);

  constructor(private readonly key: Buffer) {
    // A SigV4 signing key is a SHA-256 output: 32 bytes, under the block size (no pre-hash).
    for (let i = 0; i < 64; i++) {
      const byte = key[i] ?? 0;
      this.inner[i] = byte ^ 0x36;
      this.outer[i] = byte ^ 0x5c;
    }
  }

  hex(message: string): string {
    if (Buffer.byteLength(message) > this.inner.length - 64) {
      return createHmac("sha256", this.key).update(message).digest("hex");
    }
    const length = this.inner.write(message, 64);
    this.outer.write(hash("sha256", this.inner.subarray(0, 64 + length), "hex"), 64, "hex");
    return hash("sha256", this.outer, "hex");
  }
}

/** Derived signing keys per secret/date/region/service: one HMAC chain per day, not per request. */
const signingKeys = new Map<string, FixedKeyHmac>();
let lastSigningKey: { secret: string; scope: CredentialScope; key: FixedKeyHmac } | undefined;

function signingKey(secret: string, scope: CredentialScope): FixedKeyHmac {
  // The same scope object comes back while callers send the same Authorization head.
  if (lastSigningKey?.scope === scope && lastSigningKey.secret === secret) return lastSigningKey.key;
  const { date, region, service } = scope;
  const cacheKey = `${secret}\n${date}\n${region}\n${service}`;
  let key = signingKeys.get(cacheKey);
  if (!key) {
    key = new FixedKeyHmac(hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), "aws4_request"));
    if (signingKeys.size > 64) signingKeys.clear();
    signingKeys.set(cacheKey, key);
  }
  lastSigningKey = { secret, scope, key };
  return key;
}

/**
 * The payload hash of the last body, kept with a copy of its bytes: a fan-out posts one frame to
 * every subscriber, and comparing bytes costs a fraction of hashing them.
 */
let lastBody = Buffer.alloc(0);
let lastBodyHash = sha256Hex(lastBody);

function payloadHashOf(body: Buffer): string {
  if (body.equals(lastBody)) return lastBodyHash;
  lastBodyHash = sha256Hex(body);
  lastBody = Buffer.from(body);
  return lastBodyHash;
}

/** Equal hex strings, compared in constant time. */
function sameHex(given: string, expected: string): boolean {
  if (given.length !== expected.length) return false;
  let difference = 0;
  for (let i = 0; i < expected.length; i++) difference |= given.charCodeAt(i) ^ expected.charCodeAt(i);
  return difference === 0;
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
  const { scope } = auth;
  const credentials = options.credentials.find((c) => c.accessKeyId === scope.accessKeyId);
  if (!credentials) throw new UnrecognizedClientException("The security token included in the request is invalid.");
  if (scope.service !== options.service) {
    throw new InvalidSignatureException(`Credential should be scoped to correct service: '${options.service}'.`);
  }
  if (scope.region !== options.region) {
    throw new InvalidSignatureException(`Credential should be scoped to a valid region. `);
  }
  const amzDate = headerValue(request.headers["x-amz-date"]);
  const signedAt = parseAmzDate(amzDate);
  if (!scope.signsHost || Number.isNaN(signedAt) || !amzDate.startsWith(scope.date)) {
    throw new InvalidSignatureException(signatureMismatch);
  }
  const now = options.now ?? Date.now();
  if (Math.abs(now - signedAt) > maxSkewMs) {
    throw new InvalidSignatureException(
      `Signature expired: ${amzDate} is now earlier than ${new Date(now - maxSkewMs).toISOString().replace(/[-:]|\.\d{3}/g, "")} (${new Date(now).toISOString().replace(/[-:]|\.\d{3}/g, "")} - 5 min.)`,
    );
  }

  const claimedHash = headerValue(request.headers["x-amz-content-sha256"]);
  // An unsigned payload is not hashed: its hash is neither checked nor signed.
  if (claimedHash !== "" && claimedHash !== "UNSIGNED-PAYLOAD" && claimedHash !== payloadHashOf(request.body)) {
    throw new InvalidSignatureException(signatureMismatch);
  }
  const queryAt = request.url.indexOf("?");
  const rawPath = queryAt < 0 ? request.url : request.url.slice(0, queryAt);
  const rawQuery = queryAt < 0 ? "" : request.url.slice(queryAt + 1);
  let canonicalRequest = `${request.method.toUpperCase()}\n${canonicalPath(rawPath)}\n${canonicalQuery(rawQuery)}\n`;
  for (const name of scope.signedHeaders) {
    const value =
      name === "x-amz-date"
        ? amzDate
        : name === "x-amz-content-sha256"
          ? claimedHash
          : headerValue(request.headers[name]);
    canonicalRequest += `${name}:${value}\n`;
  }
  canonicalRequest += `\n${scope.signedHeadersText}\n${claimedHash === "" ? payloadHashOf(request.body) : claimedHash}`;
  const stringToSign = `${algorithm}\n${amzDate}\n${scope.date}/${scope.region}/${scope.service}/aws4_request\n${sha256Hex(canonicalRequest)}`;
  const expected = signingKey(credentials.secretAccessKey, scope).hex(stringToSign);
  if (sameHex(auth.signature, expected)) return;
  // Decoded as before when not the digest as node prints it (upper-case hex, say).
  const given = Buffer.from(auth.signature, "hex");
  if (given.length !== 32 || !timingSafeEqual(given, Buffer.from(expected, "hex"))) {
    throw new InvalidSignatureException(signatureMismatch);
  }
}
