/**
 * Token refresh against cognito-local (the local stack only).
 *
 * Amplify 6.22 refreshes with Cognito's `GetTokensFromRefreshToken`, which cognito-local 5.3
 * does not implement: without this, a local session would die when its first access token
 * expires (1 hour), and with it every WebSocket reconnect and REST call. cognito-local does
 * implement `InitiateAuth` with `REFRESH_TOKEN_AUTH`, the flow Amplify used before, so locally
 * the refresher below uses that. On AWS Amplify's own refresher stays in place.
 */
import type { JWT } from "aws-amplify/auth";
import { cognitoUserPoolsTokenProvider } from "aws-amplify/auth/cognito";

type TokenRefresher = Parameters<typeof cognitoUserPoolsTokenProvider.tokenOrchestrator.setTokenRefresher>[0];

function decodeJwt(token: string): JWT {
  const part = token.split(".")[1];
  if (!part) throw new Error("malformed token from cognito-local");
  const json = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
  return { payload: JSON.parse(json) as JWT["payload"], toString: () => token };
}

export function refreshTokensWithCognitoLocal(endpoint: string, userPoolClientId: string): void {
  const refresher: TokenRefresher = async ({ tokens, username }) => {
    if (!tokens.refreshToken) throw new Error("no refresh token; sign in again");
    const response = await fetch(endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "AWSCognitoIdentityProviderService.InitiateAuth",
      },
      body: JSON.stringify({
        AuthFlow: "REFRESH_TOKEN_AUTH",
        ClientId: userPoolClientId,
        AuthParameters: { REFRESH_TOKEN: tokens.refreshToken },
      }),
    });
    const body = (await response.json()) as {
      AuthenticationResult?: { AccessToken?: string; IdToken?: string; RefreshToken?: string };
      message?: string;
    };
    const result = body.AuthenticationResult;
    if (!response.ok || !result?.AccessToken) {
      throw new Error(`token refresh failed: ${body.message ?? response.status}`);
    }
    const accessToken = decodeJwt(result.AccessToken);
    const issuedAt = Number(accessToken.payload.iat ?? 0);
    return {
      accessToken,
      ...(result.IdToken ? { idToken: decodeJwt(result.IdToken) } : {}),
      refreshToken: result.RefreshToken ?? tokens.refreshToken,
      clockDrift: issuedAt * 1000 - Date.now(),
      username,
    };
  };
  cognitoUserPoolsTokenProvider.tokenOrchestrator.setTokenRefresher(refresher);
}
