import { CognitoIdentityProviderClient, InitiateAuthCommand } from "@aws-sdk/client-cognito-identity-provider";
import { DEMO_PASSWORD } from "../cognito/user-pool";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../config";

/**
 * An access token from cognito-local by password (USER_PASSWORD_AUTH, which the local stack's
 * user pool clients allow): what tests and benchmarks send as `Authorization` or `?token=`.
 */
export async function signIn(cognitoEndpoint: string, clientId: string, email: string, password = DEMO_PASSWORD): Promise<string> {
  const client = new CognitoIdentityProviderClient({ endpoint: cognitoEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  try {
    const result = await client.send(
      new InitiateAuthCommand({
        AuthFlow: "USER_PASSWORD_AUTH",
        ClientId: clientId,
        AuthParameters: { USERNAME: email, PASSWORD: password },
      }),
    );
    const token = result.AuthenticationResult?.AccessToken;
    if (token === undefined) throw new Error(`no access token for ${email}`);
    return token;
  } finally {
    client.destroy();
  }
}
