import { InitiateAuthCommand } from "@aws-sdk/client-cognito-identity-provider";
import { localCognitoClient } from "../clients";

/**
 * An access token from cognito-local by password (USER_PASSWORD_AUTH, which the local stack's
 * user pool clients allow): what tests and benchmarks send as `Authorization` (and trade for connect tickets).
 */
export async function signIn(
  cognitoEndpoint: string,
  clientId: string,
  email: string,
  password: string,
): Promise<string> {
  const client = localCognitoClient(cognitoEndpoint);
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
