import { createPrivateKey, createSign, generateKeyPairSync, type KeyObject } from "node:crypto";
import { createServer, type Server } from "node:http";

/**
 * A JWT issuer for the HTTP API authorizer tests: an RSA key pair made for this run, its JWKS on
 * a loopback HTTP server, and a signer. The suite needs no Cognito (local or real) for it.
 */
export interface JwtIssuer {
  readonly issuer: string;
  readonly jwksUri: string;
  sign(claims: Record<string, unknown>, options?: { key?: KeyObject; kid?: string }): string;
  close(): Promise<void>;
}

const base64url = (value: Buffer | string) => Buffer.from(value).toString("base64url");

export function signJwt(claims: Record<string, unknown>, privateKey: KeyObject, kid: string): string {
  const header = base64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid }));
  const payload = base64url(JSON.stringify(claims));
  const signature = createSign("RSA-SHA256").update(`${header}.${payload}`).sign(privateKey);
  return `${header}.${payload}.${base64url(signature)}`;
}

export const newRsaKey = (): KeyObject => generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;

/** Serves `{issuer}/.well-known/jwks.json` on 127.0.0.1, port chosen by the OS. */
export async function startJwtIssuer(): Promise<JwtIssuer> {
  const privateKey = newRsaKey();
  const kid = "conformance-key";
  const jwk = { ...privateKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" };
  const publicJwk = { kty: jwk.kty, n: jwk.n, e: jwk.e, kid, alg: "RS256", use: "sig" };
  const server: Server = createServer((request, response) => {
    if (request.url?.endsWith("/.well-known/jwks.json")) {
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [publicJwk] }));
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const issuer = `http://127.0.0.1:${port}/conformance-pool`;
  return {
    issuer,
    jwksUri: `${issuer}/.well-known/jwks.json`,
    sign: (claims, options) => signJwt(claims, options?.key ?? privateKey, options?.kid ?? kid),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** For a deployed target: the signing key (a private JWK) whose public half the issuer publishes. */
export function privateKeyFromJwk(json: string): { key: KeyObject; kid: string } {
  const jwk = JSON.parse(json) as { kid?: string };
  return { key: createPrivateKey({ key: jwk as never, format: "jwk" }), kid: jwk.kid ?? "" };
}
