import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AdminGetUserCommand,
  GetTokensFromRefreshTokenCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { JwtVerifier } from "aws-jwt-verify";
import { SimpleJwksCache } from "aws-jwt-verify/jwk";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { localCognitoClient } from "../../src/clients";
import { startCognitoLocal } from "../../src/cognito/cognito-local";
import { defaultTokenValidity, ensureUserPool, type UserPool } from "../../src/cognito/user-pool";
import { DEMO_PASSWORD, demoUsers } from "../../src/testing/demo-users";

const endpoint = inject("cognitoEndpoint");

/** What the local authorizers do: aws-jwt-verify against cognito-local's JWKS over plain http. */
function accessTokenVerifier(pool: UserPool) {
  return JwtVerifier.create(
    {
      issuer: pool.issuer,
      jwksUri: pool.jwksUri,
      audience: null,
      customJwtCheck: ({ payload }) => {
        if (payload.token_use !== "access") throw new Error("not an access token");
        if (payload.client_id !== pool.userPoolClientId) throw new Error("token of another client");
      },
    },
    { jwksCache: new SimpleJwksCache({ fetcher: { fetch: async (uri) => (await fetch(uri)).arrayBuffer() } }) },
  );
}

async function signIn(pool: UserPool, email: string, password = DEMO_PASSWORD) {
  const client = localCognitoClient(endpoint);
  const { AuthenticationResult } = await client.send(
    new InitiateAuthCommand({
      AuthFlow: "USER_PASSWORD_AUTH",
      ClientId: pool.userPoolClientId,
      AuthParameters: { USERNAME: email, PASSWORD: password },
    }),
  );
  client.destroy();
  if (!AuthenticationResult?.AccessToken || !AuthenticationResult.RefreshToken || !AuthenticationResult.IdToken) {
    throw new Error("sign-in returned no tokens");
  }
  return AuthenticationResult as { AccessToken: string; RefreshToken: string; IdToken: string };
}

describe("ensureUserPool", () => {
  let pool: UserPool;
  const poolName = `pool-${randomUUID()}`;
  beforeAll(async () => {
    pool = await ensureUserPool({ endpoint, poolName, users: demoUsers });
  });

  it("signs the demo users in with USER_PASSWORD_AUTH; their access tokens verify against the local JWKS", async () => {
    const alice = pool.users.find((u) => u.email === "alice@example.com");

    const tokens = await signIn(pool, "alice@example.com");
    const payload = await accessTokenVerifier(pool).verify(tokens.AccessToken);

    expect(payload.iss).toBe(pool.issuer);
    expect(pool.issuer).toBe(`${endpoint}/${pool.userPoolId}`);
    expect(payload.sub).toBe(alice?.userId);
    expect(payload["cognito:groups"]).toBeUndefined();
  });

  it("puts staff@example.com in the staff group", async () => {
    const tokens = await signIn(pool, "staff@example.com");

    const payload = await accessTokenVerifier(pool).verify(tokens.AccessToken);

    expect(payload["cognito:groups"]).toEqual(["staff"]);
  });

  it("makes passwords permanent and emails verified (no challenge, no verify step)", async () => {
    const client = localCognitoClient(endpoint);

    const user = await client.send(
      new AdminGetUserCommand({ UserPoolId: pool.userPoolId, Username: "bob@example.com" }),
    );
    client.destroy();

    expect(user.UserStatus).toBe("CONFIRMED");
    expect(user.UserAttributes).toContainEqual({ Name: "email_verified", Value: "true" });
  });

  it("refuses a token of another pool (same signing key, different issuer)", async () => {
    const other = await ensureUserPool({ endpoint, poolName: `other-${randomUUID()}`, users: demoUsers.slice(0, 1) });
    const tokens = await signIn(other, "alice@example.com");

    await expect(accessTokenVerifier(pool).verify(tokens.AccessToken)).rejects.toThrow(/iss/i);
  });

  it("is idempotent: a second call returns the same pool, client and user ids", async () => {
    const again = await ensureUserPool({ endpoint, poolName, users: demoUsers });

    expect(again).toEqual(pool);
  });

  it("refreshes tokens through the GetTokensFromRefreshToken shim", async () => {
    const tokens = await signIn(pool, "bob@example.com");
    const client = localCognitoClient(endpoint);

    const refreshed = await client.send(
      new GetTokensFromRefreshTokenCommand({ ClientId: pool.userPoolClientId, RefreshToken: tokens.RefreshToken }),
    );
    await client.send(new GlobalSignOutCommand({ AccessToken: tokens.AccessToken }));
    client.destroy();

    const payload = await accessTokenVerifier(pool).verify(refreshed.AuthenticationResult?.AccessToken ?? "");
    expect(payload.sub).toBe(pool.users.find((u) => u.email === "bob@example.com")?.userId);
    expect(refreshed.AuthenticationResult?.TokenType).toBe("Bearer");
    // The pool's access-token lifetime (15 minutes), less the seconds the sign-in took.
    expect(refreshed.AuthenticationResult?.ExpiresIn).toBeGreaterThan(defaultTokenValidity.accessToken - 100);
  });

  it("applies token lifetimes in seconds", async () => {
    const shortLived = await ensureUserPool({
      endpoint,
      poolName: `short-${randomUUID()}`,
      users: demoUsers.slice(0, 1),
      tokenValidity: { accessToken: 5 },
    });

    const tokens = await signIn(shortLived, "alice@example.com");
    const payload = await accessTokenVerifier(shortLived).verify(tokens.AccessToken);

    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(5);
  });
});

describe("startCognitoLocal", () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), "cognito-restart-"));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("keeps pools, clients and users in its data dir across restarts; the issuer follows the port", async () => {
    const first = await startCognitoLocal({ dataDir });
    const before = await ensureUserPool({ endpoint: first.endpoint, poolName: "live-orders", users: demoUsers });
    await first.stop();

    const second = await startCognitoLocal({ dataDir });
    try {
      const after = await ensureUserPool({ endpoint: second.endpoint, poolName: "live-orders", users: demoUsers });

      expect(after.userPoolId).toBe(before.userPoolId);
      expect(after.userPoolClientId).toBe(before.userPoolClientId);
      expect(after.users).toEqual(before.users);
      const client = localCognitoClient(second.endpoint);
      const signedIn = await client.send(
        new InitiateAuthCommand({
          AuthFlow: "USER_PASSWORD_AUTH",
          ClientId: after.userPoolClientId,
          AuthParameters: { USERNAME: "staff@example.com", PASSWORD: DEMO_PASSWORD },
        }),
      );
      client.destroy();
      const payload = await accessTokenVerifier(after).verify(signedIn.AuthenticationResult?.AccessToken ?? "");
      expect(payload.iss).toBe(`http://127.0.0.1:${second.port}/${after.userPoolId}`);
    } finally {
      await second.stop();
    }
  });
});
