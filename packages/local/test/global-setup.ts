import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startCognitoLocal } from "../src/cognito/cognito-local";
import { startDynamoDbLocal } from "../src/dynamodb/dynamodb-local";

/**
 * Global setup of the integration and e2e projects: ONE DynamoDB Local (in memory) and ONE
 * cognito-local (temp dir) per run, on free ports. Tests read the endpoints with
 * `inject("dynamoEndpoint")` / `inject("cognitoEndpoint")` and isolate themselves with a
 * unique table name / user pool name per file.
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
  const cognitoDir = mkdtempSync(join(tmpdir(), "live-orders-cognito-"));
  const [dynamo, cognito] = await Promise.allSettled([
    startDynamoDbLocal({ port: 0 }),
    startCognitoLocal({ port: 0, dataDir: cognitoDir }),
  ]);
  const stop = async () => {
    await Promise.all([
      dynamo.status === "fulfilled" ? dynamo.value.stop() : undefined,
      cognito.status === "fulfilled" ? cognito.value.stop() : undefined,
    ]);
    rmSync(cognitoDir, { recursive: true, force: true });
  };
  if (dynamo.status === "rejected" || cognito.status === "rejected") {
    await stop();
    throw dynamo.status === "rejected" ? dynamo.reason : (cognito as PromiseRejectedResult).reason;
  }
  project.provide("dynamoEndpoint", dynamo.value.endpoint);
  project.provide("cognitoEndpoint", cognito.value.endpoint);
  return stop;
}
