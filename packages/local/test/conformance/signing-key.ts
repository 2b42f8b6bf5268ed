/**
 * The key pair a deployed target's JWTs are signed with: the private half stays with whoever
 * runs the suite (in the target file), the public half is deployed with the fixture stack's
 * issuer (fixtures/issuer-handlers.ts).
 */
import { generateKeyPairSync, randomUUID } from "node:crypto";

/** Where deployed-target.ts keeps the private key, in the directory it runs in (deploy/). */
export const signingKeyFile = "signing-key.private.json";

/** A new RS256 private key as a JWK with its `kid`. */
export function newSigningKeyJwk(): string {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return JSON.stringify({ ...privateKey.export({ format: "jwk" }), kid: randomUUID(), alg: "RS256", use: "sig" });
}

/** The public half of a private JWK (what a JWKS publishes). */
export function publicJwkOf(privateJwk: string): Record<string, string> {
  const { kty, n, e, kid, alg, use } = JSON.parse(privateJwk) as Record<string, string>;
  return { kty, n, e, kid, alg, use } as Record<string, string>;
}
