/**
 * Makes a CONFORMANCE_TARGET file for the fixture stack (deploy/sst.config.ts). Run in deploy/:
 *
 *   npx tsx ../deployed-target.ts new-key   # before the first deploy: signing-key.private.json
 *   npx tsx ../deployed-target.ts write     # after `sst deploy`: the target file on stdout
 *
 * `write` reads the stack's `.sst/outputs.json` and the private key; with APP_OUTPUTS (the
 * app stage's `.sst/outputs.json`) and CUSTOMER_REFRESH_TOKENS (two, comma-separated) it adds
 * the `app` section the app-level tests need (README.md).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { newSigningKeyJwk, signingKeyFile } from "./signing-key";

function write(): void {
  const outputs = JSON.parse(readFileSync(".sst/outputs.json", "utf8")) as Record<string, any>;
  const privateJwk = readFileSync(signingKeyFile, "utf8");
  const target: Record<string, unknown> = { ...outputs, jwt: { ...outputs.jwt, privateJwk } };
  const { APP_OUTPUTS, CUSTOMER_REFRESH_TOKENS } = process.env;
  if (APP_OUTPUTS) {
    const app = JSON.parse(readFileSync(APP_OUTPUTS, "utf8")) as Record<string, string>;
    const customerRefreshTokens = (CUSTOMER_REFRESH_TOKENS ?? "").split(",").filter(Boolean);
    if (customerRefreshTokens.length !== 2)
      throw new Error("CUSTOMER_REFRESH_TOKENS: two refresh tokens, comma-separated");
    const { api, ws, web, userPoolClientId, region } = app;
    target.app = { api, ws, web, userPoolClientId, region, customerRefreshTokens };
  }
  process.stdout.write(`${JSON.stringify(target, null, 2)}\n`);
}

function newKey(): void {
  if (existsSync(signingKeyFile)) throw new Error(`${signingKeyFile} exists: keep it (the stack trusts it)`);
  writeFileSync(signingKeyFile, newSigningKeyJwk(), { mode: 0o600 });
}

const command = process.argv[2];
if (command === "write") write();
else if (command === "new-key") newKey();
else throw new Error("usage: deployed-target.ts new-key | write");
