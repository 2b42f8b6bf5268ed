/**
 * The emulators of a vitest run: ONE DynamoDB Local and ONE cognito-local, started by the
 * integration and e2e projects' global setup (packages/local/test/global-setup.ts), which
 * provides their endpoints. Tests isolate themselves with a table and user pool of their own
 * (`startAppStack` makes them).
 */
import { inject } from "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    cognitoEndpoint: string;
  }
}

export function runEmulators(): { dynamoEndpoint: string; cognitoEndpoint: string } {
  return { dynamoEndpoint: inject("dynamoEndpoint"), cognitoEndpoint: inject("cognitoEndpoint") };
}
