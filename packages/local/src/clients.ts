/**
 * The local client factory: every AWS SDK client that talks to the local stack's emulators —
 * the stack's own (table creation, the stream poller, the user pool, sign-in) and the tests' and
 * benchmarks' — is made here, with the local region and credentials of `config.ts`. (The
 * handlers use core's clients, configured by their environment.)
 */
import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "./config";

const local = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS } as const;

/** DynamoDB Local. */
export function localDynamoDbClient(endpoint: string, o?: { maxAttempts?: number }): DynamoDBClient {
  return new DynamoDBClient({ endpoint, ...local, maxAttempts: o?.maxAttempts ?? 3 });
}

/** DynamoDB Local's stream (DescribeStream, GetShardIterator, GetRecords). */
export function localDynamoDbStreamsClient(endpoint: string): DynamoDBStreamsClient {
  return new DynamoDBStreamsClient({ endpoint, ...local });
}

/** cognito-local. */
export function localCognitoClient(endpoint: string): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({ endpoint, ...local });
}

/**
 * The local API Gateway's `@connections` (the stock SDK client, signing with the local keys the
 * gateway verifies). `maxAttempts: 1` where a test must see the first answer, not a retry.
 */
export function localManagementApiClient(
  endpoint: string,
  o?: { maxAttempts?: number },
): ApiGatewayManagementApiClient {
  return new ApiGatewayManagementApiClient({
    endpoint,
    ...local,
    ...(o?.maxAttempts === undefined ? {} : { maxAttempts: o.maxAttempts }),
  });
}
