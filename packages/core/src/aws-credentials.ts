/**
 * Where the handlers' AWS credentials come from. On Lambda the execution role's credentials are
 * in the environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`: Lambda's
 * documented runtime environment variables), and the SDK's default provider chain finds them
 * there first. Reading them directly is `fromEnv` of `@aws-sdk/credential-provider-env`, whose
 * import alone brings 17 KB of SDK configuration code into every bundle, and the whole chain
 * (SSO, STS, IMDS, ini files: ~130 KB) is never reached on Lambda.
 *
 * Lambda rotates the role's credentials by starting new execution environments, never by changing
 * the environment of a running one, so reading them once per call is all the refreshing needed.
 *
 * The fallback for code that runs elsewhere (the replay CLI on a laptop, scripts): hand it a
 * provider, e.g. the SDK's `defaultProvider()` from `@aws-sdk/credential-provider-node`, with
 * `useCredentialProvider` before the first call.
 */
import type { AwsCredentialIdentity } from "@smithy/types";

export type CredentialProvider = () => Promise<AwsCredentialIdentity>;

let override: CredentialProvider | undefined;

/** Replace the environment's credentials for this process (the replay CLI: the SDK's default chain). */
export function useCredentialProvider(provider: CredentialProvider): void {
  override = provider;
}

/** The environment's credentials, as `fromEnv` reads them; fails with what is missing and the fallback. */
export const environmentCredentials: CredentialProvider = async () => {
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new Error(
      "no AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY): Lambda sets them; " +
        "elsewhere call useCredentialProvider(defaultProvider()) first",
    );
  }
  const sessionToken = process.env.AWS_SESSION_TOKEN;
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
};

/** The credentials every hand-signed client of this process uses. */
export const credentials: CredentialProvider = () => (override ?? environmentCredentials)();

/** The region calls are signed for and sent to: Lambda sets `AWS_REGION`. */
export function awsRegion(): string {
  return process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || "us-east-1";
}
