import { isProduction, protectData } from "./stage";
import { emailConfigurationFor } from "./stage-settings";

export const region = aws.getRegionOutput().region;
const { accountId } = aws.getCallerIdentityOutput();
const { partition } = aws.getPartitionOutput();

/**
 * The SES identity Cognito sends its e-mails (verification codes, password resets) from
 * (infra/stage-settings.ts): `npx sst secret set CognitoSesIdentity example.com --stage
 * production`. Unset, the pool uses Cognito's default sender, about 50 e-mails a day per
 * account: enough to try a stage, not for production (docs/deploy.md, "E-mail").
 */
export const sesIdentity = new sst.Secret("CognitoSesIdentity", "");

const emailConfiguration = $resolve([$util.unsecret(sesIdentity.value), partition, region, accountId]).apply(
  ([identity, partition, region, accountId]) => emailConfigurationFor(identity, { partition, region, accountId }),
);

/**
 * Only the pool id reaches a function that links the pool (none does today: API Gateway
 * verifies REST tokens, connect tickets stand in for them on the WebSocket); none calls the
 * Cognito API, so the default link grant (`cognito-idp:*` on the pool) would be privilege
 * nobody uses.
 */
sst.Linkable.wrap(sst.aws.CognitoUserPool, (pool) => ({ properties: { id: pool.id } }));

/**
 * Access and ID tokens live 15 minutes (Cognito's default is an hour): what a leaked token, a
 * signed-out session or a disabled account can still do ends sooner. Amplify refreshes them
 * with the refresh token (30 days, revoked on sign-out) before they expire.
 */
export const tokenValidity = { accessTokenMinutes: 15, idTokenMinutes: 15, refreshTokenDays: 30 } as const;

/** Users sign in with their email address; the Cognito username is the email. */
export const userPool = new sst.aws.CognitoUserPool("UserPool", {
  usernames: ["email"],
  transform: {
    userPool: (args, opts) => {
      // Accounts are data: production keeps them through a `sst remove`, a replacing deploy and
      // a console click.
      args.deletionProtection = isProduction ? "ACTIVE" : "INACTIVE";
      protectData(opts);
      args.emailConfiguration = emailConfiguration;
    },
  },
});

/**
 * The browser's client: public (no secret), SRP sign-in and refresh tokens only — Amplify's
 * defaults on AWS. No hosted UI, so no OAuth flows or callback URLs.
 */
export const webClient = userPool.addClient("WebClient", {
  transform: {
    client: {
      generateSecret: false,
      explicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
      preventUserExistenceErrors: "ENABLED",
      allowedOauthFlowsUserPoolClient: false,
      allowedOauthFlows: [],
      allowedOauthScopes: [],
      callbackUrls: [],
      supportedIdentityProviders: ["COGNITO"],
      accessTokenValidity: tokenValidity.accessTokenMinutes,
      idTokenValidity: tokenValidity.idTokenMinutes,
      refreshTokenValidity: tokenValidity.refreshTokenDays,
      tokenValidityUnits: { accessToken: "minutes", idToken: "minutes", refreshToken: "days" },
      enableTokenRevocation: true,
    },
  },
});

/** Staff are members of this group; tokens carry it as `cognito:groups`. */
export const staffGroup = new aws.cognito.UserGroup("StaffGroup", {
  userPoolId: userPool.id,
  name: "staff",
  description: "Live Orders staff: see every order, change statuses, chat with any customer",
});

/** The `iss` of the pool's tokens; the HTTP API's JWT authorizer accepts nothing else. */
export const issuer = $interpolate`https://cognito-idp.${region}.amazonaws.com/${userPool.id}`;
