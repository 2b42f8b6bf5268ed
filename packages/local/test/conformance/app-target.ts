/**
 * The app's half of the conformance targets: what the local stack claims for the app itself
 * (connect tickets, the per-user connection cap, `pong {seqs}`, sign-out closing connections),
 * reached only through the app's public endpoints (REST, WebSocket) and Cognito's own API with
 * the unmodified SDK client. Locally that is this repository's app on the local stack
 * (`startAppStack`, what `npm start` runs); with CONFORMANCE_TARGET, a deployed stage (its
 * `app` section, README.md here).
 */
import { readFileSync } from "node:fs";
import { CognitoIdentityProviderClient, InitiateAuthCommand } from "@aws-sdk/client-cognito-identity-provider";
import { localCognitoClient } from "../../src/clients";
import { DEMO_PASSWORD } from "../../src/testing/demo-users";
import { runEmulators } from "../../src/testing/run-emulators";

export interface AppTarget {
  /** The HTTP API (`outputs.api`). */
  readonly apiUrl: string;
  /** The WebSocket API (`outputs.ws`). */
  readonly wsUrl: string;
  /** An origin the `$connect` authorizer admits: the web app's. */
  readonly webOrigin: string;
  /** Two customers (no staff group), signed in for this run. */
  readonly customers: readonly [UserTokens, UserTokens];
  close(): Promise<void>;
}

export interface UserTokens {
  readonly accessToken: string;
  readonly idToken: string;
}

/** What CONFORMANCE_TARGET's `app` holds: the stage's outputs (as `sst deploy` prints them) and two customers. */
interface DeployedApp {
  api: string;
  ws: string;
  web: string;
  userPoolClientId: string;
  region: string;
  /** Refresh tokens of two customers of the stage (README.md here: where to find them). */
  customerRefreshTokens: [string, string];
}

/**
 * Fresh tokens from a refresh token (REFRESH_TOKEN_AUTH, which the web client allows on AWS as
 * locally): the one way to sign in that needs neither SRP nor a password flow the stage's client
 * does not enable.
 */
async function tokensOf(cognito: CognitoIdentityProviderClient, clientId: string, refreshToken: string) {
  const { AuthenticationResult: result } = await cognito.send(
    new InitiateAuthCommand({
      AuthFlow: "REFRESH_TOKEN_AUTH",
      ClientId: clientId,
      AuthParameters: { REFRESH_TOKEN: refreshToken },
    }),
  );
  if (!result?.AccessToken || !result.IdToken) throw new Error("REFRESH_TOKEN_AUTH returned no tokens");
  return { accessToken: result.AccessToken, idToken: result.IdToken };
}

async function deployedApp(file: string): Promise<AppTarget> {
  const { app } = JSON.parse(readFileSync(file, "utf8")) as { app?: DeployedApp };
  if (!app) throw new Error(`${file} has no "app" section: the app-level tests need a deployed stage (README.md)`);
  const cognito = new CognitoIdentityProviderClient({ region: app.region });
  try {
    const [first, second] = await Promise.all(
      app.customerRefreshTokens.map((token) => tokensOf(cognito, app.userPoolClientId, token)),
    );
    return {
      apiUrl: app.api,
      wsUrl: app.ws,
      webOrigin: new URL(app.web).origin,
      customers: [first as UserTokens, second as UserTokens],
      close: async () => undefined,
    };
  } finally {
    cognito.destroy();
  }
}

/** The web origin the local app admits in this run (no Vite here: a stage's web app stands for it). */
const localWebOrigin = "http://web.conformance.test";

async function localApp(): Promise<AppTarget> {
  // Imported here: a deployed run needs none of the local stack.
  const { startAppStack } = await import("../../src/testing/app-stack");
  const stack = await startAppStack({ ...runEmulators(), env: { LIVE_ORDERS_WEB_ORIGINS: localWebOrigin } });
  const cognito = localCognitoClient(stack.outputs.cognitoEndpoint);
  try {
    // The one local-only step: a refresh token by password (the demo users'); from there on the
    // same path as a deployed stage.
    const refreshTokenOf = async (email: string) => {
      const { AuthenticationResult: result } = await cognito.send(
        new InitiateAuthCommand({
          AuthFlow: "USER_PASSWORD_AUTH",
          ClientId: stack.outputs.userPoolClientId,
          AuthParameters: { USERNAME: email, PASSWORD: DEMO_PASSWORD },
        }),
      );
      if (!result?.RefreshToken) throw new Error(`no refresh token for ${email}`);
      return result.RefreshToken;
    };
    const customers = await Promise.all(
      ["alice@example.com", "bob@example.com"].map(async (email) =>
        tokensOf(cognito, stack.outputs.userPoolClientId, await refreshTokenOf(email)),
      ),
    );
    return {
      apiUrl: stack.outputs.api,
      wsUrl: stack.outputs.ws,
      webOrigin: localWebOrigin,
      customers: [customers[0] as UserTokens, customers[1] as UserTokens],
      close: () => stack.stop(),
    };
  } catch (error) {
    await stack.stop();
    throw error;
  } finally {
    cognito.destroy();
  }
}

/** The app of this run: CONFORMANCE_TARGET's `app` (a deployed stage), else the local stack's. */
export function startAppTarget(): Promise<AppTarget> {
  const file = process.env.CONFORMANCE_TARGET;
  return file ? deployedApp(file) : localApp();
}
