import { isProduction } from "./stage";

/**
 * Only the pool id reaches the functions that link the pool: they verify tokens against the
 * pool's public JWKS and never call the Cognito API, so the default link grant
 * (`cognito-idp:*` on the pool) would be privilege nobody uses.
 */
sst.Linkable.wrap(sst.aws.CognitoUserPool, (pool) => ({ properties: { id: pool.id } }));

/** Users sign in with their email address; the Cognito username is the email. */
export const userPool = new sst.aws.CognitoUserPool("UserPool", {
  usernames: ["email"],
  transform: {
    userPool: (args, opts) => {
      // Accounts are data: production keeps them through a `sst remove` and against a console click.
      args.deletionProtection = isProduction ? "ACTIVE" : "INACTIVE";
      if (isProduction) opts.retainOnDelete = true;
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
    },
  },
});

/** Staff are members of this group; tokens carry it as `cognito:groups`. */
export const staffGroup = new aws.cognito.UserGroup("StaffGroup", {
  userPoolId: userPool.id,
  name: "staff",
  description: "Live Orders staff: see every order, change statuses, chat with any customer",
});

export const region = aws.getRegionOutput().region;

/** The `iss` of the pool's tokens; the HTTP API's JWT authorizer accepts nothing else. */
export const issuer = $interpolate`https://cognito-idp.${region}.amazonaws.com/${userPool.id}`;
