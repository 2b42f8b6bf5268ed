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

const audiencesOf = (payload: JwtPayload): string[] => {
  const aud = payload.aud;
  return [...(Array.isArray(aud) ? aud : aud ? [aud] : []), ...(typeof payload.client_id === "string" ? [payload.client_id] : [])];
};

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
  // The audience check is API Gateway's own (aud or client_id), done below, so none here.
  const verifier = JwtVerifier.create({ issuer: config.issuer, jwksUri, audience: null }, { jwksCache });

  /** The authorizer context for a valid token, undefined for a missing or invalid one. */
  return async function authorize(authorization: string | undefined): Promise<JwtAuthorization | undefined> {
    const token = authorization?.replace(/^Bearer\s+/i, "").trim();
    if (!token) return undefined;
    let payload: JwtPayload;
    try {
      payload = await verifier.verify(token);
    } catch {
      return undefined;
    }
    if (!audiencesOf(payload).some((audience) => config.audiences.includes(audience))) return undefined;
    const claims = Object.fromEntries(Object.entries(payload).map(([name, value]) => [name, formatClaim(value)]));
    const scope = typeof payload.scope === "string" ? payload.scope.split(" ").filter(Boolean) : [];
    return { jwt: { claims, scopes: scope.length ? scope : null } };
  };
}
