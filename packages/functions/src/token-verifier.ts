/**
 * Verifies Cognito ACCESS tokens for the WebSocket `$connect` authorizer.
 *  - On AWS: `CognitoJwtVerifier` for the linked pool and web client (signature, `iss`, `exp`,
 *    `token_use: access`, `client_id`).
 *  - Locally, when LIVE_ORDERS_COGNITO_ISSUER is set (loopback only, see config.ts): a generic
 *    `JwtVerifier` for cognito-local's issuer and JWKS (plain http, which the Cognito verifier
 *    refuses), with the same `token_use` and `client_id` checks. The issuer check is what tells
 *    pools apart, since cognito-local signs every pool with the same key.
 */
import { CognitoJwtVerifier, JwtVerifier } from "aws-jwt-verify";
import { SimpleJwksCache } from "aws-jwt-verify/jwk";
import type { JwtPayload } from "aws-jwt-verify/jwt-model";
import { localCognitoIssuer, userPoolId, webClientId } from "./config";

export interface TokenVerifier {
  verify(token: string): Promise<JwtPayload>;
}

/** aws-jwt-verify's default fetcher is https-only; cognito-local serves its JWKS over http. */
class FetchJwksFetcher {
  async fetch(uri: string): Promise<ArrayBuffer> {
    const response = await fetch(uri, { signal: AbortSignal.timeout(3000) });
    if (!response.ok) throw new Error(`JWKS fetch failed: ${response.status} ${uri}`);
    return response.arrayBuffer();
  }
}

export function createTokenVerifier(): TokenVerifier {
  const clientId = webClientId();
  const issuer = localCognitoIssuer();
  if (issuer === undefined) {
    const verifier = CognitoJwtVerifier.create({ userPoolId: userPoolId(), clientId, tokenUse: "access" });
    return { verify: (token) => verifier.verify(token) };
  }
  const verifier = JwtVerifier.create(
    {
      issuer,
      jwksUri: `${issuer}/.well-known/jwks.json`,
      // Access tokens carry `client_id`, not `aud`: checked below instead.
      audience: null,
      customJwtCheck: ({ payload }) => {
        if (payload.token_use !== "access") throw new Error("not an access token");
        if (payload.client_id !== clientId) throw new Error("token of another client");
      },
    },
    { jwksCache: new SimpleJwksCache({ fetcher: new FetchJwksFetcher() }) },
  );
  return { verify: (token) => verifier.verify(token) };
}
