import { JwtVerifier } from "aws-jwt-verify";
import { SimpleJwksCache } from "aws-jwt-verify/jwk";
import type { JwtPayload } from "aws-jwt-verify/jwt-model";

/**
 * The HTTP API's JWT authorizer: signature, `iss`, `exp`/`nbf`, and `aud` OR `client_id` in the
 * configured audiences — API Gateway's rule, which is what lets Cognito access tokens (they carry
 * `client_id`, no `aud`) through.
 */
export interface JwtAuthorizerConfig {
  issuer: string;
  audiences: readonly string[];
  /** Default: `{issuer}/.well-known/jwks.json`, where Cognito and OIDC issuers publish keys. */
  jwksUri?: string;
}

export interface JwtAuthorization {
  readonly jwt: { readonly claims: Record<string, string>; readonly scopes: string[] | null };
}

/**
 * A claim value as API Gateway hands it over: always a string. Arrays and objects are printed
 * the way the service (written in Go) prints them: `[a b]`, `map[k:v]`.
 */
export function formatClaim(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(formatClaim).join(" ")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).sort(([a], [b]) => a.localeCompare(b));
    return `map[${entries.map(([k, v]) => `${k}:${formatClaim(v)}`).join(" ")}]`;
  }
  return value === null || value === undefined ? "" : String(value);
}

/**
 * API Gateway's audience rule: `aud` when the token has one, `client_id` only when it has none.
 * (So an id token for another app is refused even if its `client_id` would match.)
 */
function audienceMatches(payload: JwtPayload, audiences: readonly string[]): boolean {
  if (payload.aud !== undefined) {
    const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    return aud.some((value) => audiences.includes(value));
  }
  return typeof payload.client_id === "string" && audiences.includes(payload.client_id);
}

/** Scopes from `scope` (space-separated, OAuth 2) or `scp` (a list), as API Gateway reads them. */
function scopesOf(payload: JwtPayload): string[] | null {
  const scope = payload.scope ?? payload.scp;
  const scopes = typeof scope === "string" ? scope.split(" ") : Array.isArray(scope) ? scope.map(String) : [];
  const present = scopes.filter(Boolean);
  return present.length ? present : null;
}

/**
 * A route's `authorizationScopes`: the token must carry at least one of them (`scope` or
 * `scp`). None configured: any valid token passes.
 */
export function hasRequiredScope(scopes: readonly string[] | null, required: readonly string[] | undefined): boolean {
  if (required === undefined || required.length === 0) return true;
  return required.some((scope) => scopes?.includes(scope) ?? false);
}

/**
 * The refusal of a valid token without a route's scope: 403, as AWS documents for JWT
 * authorizers' scope checks ("A valid token that carries none of the method's scopes receives a
 * 403 Forbidden response") and RFC 6750 §3.1 prescribes for `insufficient_scope`.
 */
export function insufficientScopeChallenge(required: readonly string[]): string {
  return `Bearer scope="${required.join(" ")}" error="insufficient_scope" error_description="the token does not have a required scope"`;
}

export type JwtAuthorizerResult =
  | { readonly authorized: true; readonly context: JwtAuthorization }
  /** `description` goes into `www-authenticate`, where API Gateway says why it refused. */
  | { readonly authorized: false; readonly description: string | undefined };

export function createJwtAuthorizer(config: JwtAuthorizerConfig) {
  const jwksUri = config.jwksUri ?? `${config.issuer.replace(/\/$/, "")}/.well-known/jwks.json`;
  // aws-jwt-verify's default fetcher speaks https only; local issuers (cognito-local, the
  // conformance suite's key server) are plain http on loopback, so fetch() does the fetching.
  const jwksCache = new SimpleJwksCache({
    fetcher: {
      fetch: async (uri: string) => {
        const response = await fetch(uri);
        if (!response.ok) throw new Error(`JWKS ${uri}: HTTP ${response.status}`);
        return response.arrayBuffer();
      },
    },
  });
  // The audience check is API Gateway's own (see audienceMatches), so none here.
  const verifier = JwtVerifier.create({ issuer: config.issuer, jwksUri, audience: null }, { jwksCache });

  /** Verifies the identity source's value (`Bearer <jwt>` or the bare JWT). */
  return async function authorize(authorization: string | undefined): Promise<JwtAuthorizerResult> {
    const token = authorization?.replace(/^Bearer\s+/i, "").trim();
    if (!token) return { authorized: false, description: undefined };
    let payload: JwtPayload;
    try {
      payload = await verifier.verify(token);
    } catch (error) {
      const expired = (error as Error).name === "JwtExpiredError";
      return { authorized: false, description: expired ? "the token has expired" : "the token is not valid" };
    }
    if (typeof payload.iat === "number" && payload.iat > Math.ceil(Date.now() / 1000)) {
      return { authorized: false, description: "the token was issued in the future" };
    }
    // The one wording the API Gateway documentation shows verbatim.
    if (!audienceMatches(payload, config.audiences)) {
      return { authorized: false, description: "the token does not have a valid audience" };
    }
    const claims = Object.fromEntries(Object.entries(payload).map(([name, value]) => [name, formatClaim(value)]));
    return { authorized: true, context: { jwt: { claims, scopes: scopesOf(payload) } } };
  };
}
