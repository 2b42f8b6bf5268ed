import type { TestProject } from "vitest/node";
import { startDynamoDbLocal } from "../src/dynamodb/dynamodb-local";

/**
 * Global setup of the integration and e2e projects: ONE DynamoDB Local (in memory) and ONE
 * cognito-local (temp dir) per run, on free ports. Tests read the endpoints with
 * `inject("dynamoEndpoint")` / `inject("cognitoEndpoint")` and isolate themselves with a
 * unique table name / user pool per file.
 */
declare module "vitest" {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    cognitoEndpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Node 20 is supported here; the SDK's notice about its future Node 22 floor is noise in test output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const dynamo = await startDynamoDbLocal({ port: 0 });
  project.provide("dynamoEndpoint", dynamo.endpoint);
  return async () => {
    await dynamo.stop();
  };
}
