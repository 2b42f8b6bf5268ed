/**
 * What the per-stage settings mean. Each is an SST secret (`npx sst secret set <Name> <value>
 * --stage <stage>`), stored with the stage rather than read from the deployer's shell, so every
 * deploy of a stage — from a laptop or CI — configures it the same way. Empty means "not set".
 * Pure (no SST globals): infra/check tests it directly.
 *
 *   CognitoSesIdentity  infra/auth.ts    the SES identity Cognito's e-mails come from
 *   AlarmEndpoint       infra/alarms.ts  who the alarms notify
 */

export interface AwsAccount {
  partition: string;
  region: string;
  accountId: string;
}

/**
 * The user pool's `emailConfiguration` for a `CognitoSesIdentity`: a verified SES e-mail address
 * (`no-reply@example.com`) or a verified domain (`example.com`, sent as `no-reply@example.com`),
 * in the pool's region and account. Empty: Cognito's default sender (about 50 e-mails a day).
 */
export function emailConfigurationFor(identitySetting: string, account: AwsAccount) {
  const identity = identitySetting.trim();
  if (identity === "") return { emailSendingAccount: "COGNITO_DEFAULT" };
  if (/\s|[<>]/.test(identity) || identity.split("@").length > 2) {
    throw new Error(`CognitoSesIdentity must be an SES identity (an e-mail address or a domain), got "${identity}"`);
  }
  const from = identity.includes("@") ? identity : `no-reply@${identity}`;
  return {
    emailSendingAccount: "DEVELOPER",
    sourceArn: `arn:${account.partition}:ses:${account.region}:${account.accountId}:identity/${identity}`,
    fromEmailAddress: `Live Orders <${from}>`,
  };
}

/**
 * The SNS subscription of an `AlarmEndpoint`: an e-mail address (SNS mails a confirmation link
 * first) or an `https://` URL (a chat webhook, an incident tool). Empty: none.
 */
export function alarmSubscriptionFor(
  endpointSetting: string,
): { protocol: "email" | "https"; endpoint: string } | undefined {
  const endpoint = endpointSetting.trim();
  if (endpoint === "") return undefined;
  if (endpoint.startsWith("https://")) return { protocol: "https", endpoint };
  if (/^[^@\s<>]+@[^@\s<>]+$/.test(endpoint)) return { protocol: "email", endpoint };
  throw new Error(`AlarmEndpoint must be an e-mail address or an https:// URL, got "${endpoint}"`);
}
