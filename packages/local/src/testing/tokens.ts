/**
 * Tokens the authorizer must refuse, made from real cognito-local tokens: re-signed with
 * cognito-local's own (public) key after a change (expired: a valid signature on a stale `exp`),
 * or signed with a stranger's key (forged).
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

function cognitoLocalKey(): KeyObject {
  const path = require.resolve("cognito-local/lib/keys/cognitoLocal.private.json");
  const { jwk } = JSON.parse(readFileSync(path, "utf8")) as { jwk: Record<string, string> };
  return createPrivateKey({ key: jwk, format: "jwk" });
}

export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split(".");
  return {
    header: JSON.parse(Buffer.from(header ?? "", "base64url").toString("utf8")),
    payload: JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8")),
  };
}

function signJwt(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject): string {
  const encode = (part: Record<string, unknown>) => Buffer.from(JSON.stringify(part)).toString("base64url");
  const input = `${encode(header)}.${encode(payload)}`;
  return `${input}.${sign("RSA-SHA256", Buffer.from(input), key).toString("base64url")}`;
}

/** The same token with a changed payload, validly signed by cognito-local's key. */
export function resign(token: string, change: (payload: Record<string, unknown>) => Record<string, unknown>): string {
  const { header, payload } = decodeJwt(token);
  return signJwt(header, change(payload), cognitoLocalKey());
}

/** The same token (same kid, same claims) signed by a key that is not the pool's. */
export function forge(
  token: string,
  change: (payload: Record<string, unknown>) => Record<string, unknown> = (p) => p,
): string {
  const { header, payload } = decodeJwt(token);
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return signJwt(header, change(payload), privateKey);
}
