import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminGetUserCommand,
  type AdminGetUserCommandOutput,
  AdminSetUserPasswordCommand,
  AdminUpdateUserAttributesCommand,
  type CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  type CreateUserPoolClientCommandInput,
  CreateUserPoolCommand,
  ExplicitAuthFlowsType,
  GroupExistsException,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
  UpdateUserPoolClientCommand,
  UserNotFoundException,
} from "@aws-sdk/client-cognito-identity-provider";
import type { LocalUser, SeededUser } from "../app";
import { localCognitoClient } from "../clients";

export const WEB_CLIENT_NAME = "web";

/** Token lifetimes of the web client, in seconds (cognito-local honours seconds: handy for expiry tests). */
export interface TokenValidity {
  accessToken: number;
  idToken: number;
  refreshToken: number;
}
/**
 * As on AWS (infra/auth.ts): access and ID tokens for 15 minutes, so a token that leaks, or
 * outlives a sign-out or a disabled account, is good for a quarter of an hour at most (refresh
 * tokens, revoked on sign-out, renew them meanwhile).
 */
export const defaultTokenValidity: TokenValidity = {
  accessToken: 15 * 60,
  idToken: 15 * 60,
  refreshToken: 30 * 24 * 3600,
};

export interface UserPool {
  userPoolId: string;
  userPoolClientId: string;
  /** `iss` of the pool's tokens; JWKS at `${issuer}/.well-known/jwks.json`. */
  issuer: string;
  jwksUri: string;
  /** The seeded users with their Cognito `sub` (the app's user id). */
  users: SeededUser[];
}

/**
 * Brings the user pool to the wanted state, reusing whatever exists (cognito-local keeps pools
 * in its data dir, so a second `npm start` finds the pool, client and users of the first and
 * their ids stay the same): the pool (email as username), the web client (no secret,
 * USER_PASSWORD_AUTH for the local sign-in, SRP and refresh as on AWS), the users' groups, and
 * each user with a permanent password, a verified email and its groups.
 *
 * The issuer assumes the endpoint is cognito-local's issuer domain, which `startCognitoLocal` pins.
 */
export async function ensureUserPool(o: {
  endpoint: string;
  poolName: string;
  users?: readonly LocalUser[];
  tokenValidity?: Partial<TokenValidity>;
}): Promise<UserPool> {
  const client = localCognitoClient(o.endpoint);
  try {
    const userPoolId = await ensurePool(client, o.poolName);
    const userPoolClientId = await ensureWebClient(client, userPoolId, { ...defaultTokenValidity, ...o.tokenValidity });
    for (const group of new Set((o.users ?? []).flatMap((user) => user.groups ?? []))) {
      await ensureGroup(client, userPoolId, group);
    }
    const users: UserPool["users"] = [];
    for (const user of o.users ?? []) {
      const userId = await ensureUser(client, userPoolId, user);
      users.push({ userId, email: user.email, groups: user.groups ?? [] });
    }
    const issuer = `${o.endpoint.replace(/\/+$/, "")}/${userPoolId}`;
    return { userPoolId, userPoolClientId, issuer, jwksUri: `${issuer}/.well-known/jwks.json`, users };
  } finally {
    client.destroy();
  }
}

/** More users in an existing pool (tests that need users of their own); returns them with their `sub`. */
export async function ensureUsers(o: {
  endpoint: string;
  userPoolId: string;
  users: readonly LocalUser[];
}): Promise<UserPool["users"]> {
  const client = localCognitoClient(o.endpoint);
  try {
    for (const group of new Set(o.users.flatMap((user) => user.groups ?? []))) {
      await ensureGroup(client, o.userPoolId, group);
    }
    const users: UserPool["users"] = [];
    for (const user of o.users) {
      const userId = await ensureUser(client, o.userPoolId, user);
      users.push({ userId, email: user.email, groups: user.groups ?? [] });
    }
    return users;
  } finally {
    client.destroy();
  }
}

async function ensurePool(client: CognitoIdentityProviderClient, poolName: string): Promise<string> {
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListUserPoolsCommand({ MaxResults: 60, NextToken: nextToken }));
    const found = page.UserPools?.find((pool) => pool.Name === poolName);
    if (found?.Id) return found.Id;
    nextToken = page.NextToken;
  } while (nextToken);
  const created = await client.send(
    new CreateUserPoolCommand({
      PoolName: poolName,
      UsernameAttributes: ["email"],
      AutoVerifiedAttributes: ["email"],
      Policies: {
        PasswordPolicy: {
          MinimumLength: 8,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        },
      },
    }),
  );
  const id = created.UserPool?.Id;
  if (!id) throw new Error(`CreateUserPool ${poolName} returned no id`);
  return id;
}

async function ensureWebClient(
  client: CognitoIdentityProviderClient,
  userPoolId: string,
  validity: TokenValidity,
): Promise<string> {
  const settings: Omit<CreateUserPoolClientCommandInput, "GenerateSecret"> = {
    UserPoolId: userPoolId,
    ClientName: WEB_CLIENT_NAME,
    ExplicitAuthFlows: [
      ExplicitAuthFlowsType.ALLOW_USER_PASSWORD_AUTH,
      ExplicitAuthFlowsType.ALLOW_REFRESH_TOKEN_AUTH,
      ExplicitAuthFlowsType.ALLOW_USER_SRP_AUTH,
    ],
    AccessTokenValidity: validity.accessToken,
    IdTokenValidity: validity.idToken,
    RefreshTokenValidity: validity.refreshToken,
    TokenValidityUnits: { AccessToken: "seconds", IdToken: "seconds", RefreshToken: "seconds" },
  };
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60, NextToken: nextToken }),
    );
    const found = page.UserPoolClients?.find((c) => c.ClientName === WEB_CLIENT_NAME);
    if (found?.ClientId) {
      // Converge an existing client on the wanted settings (token lifetimes may differ per run).
      await client.send(new UpdateUserPoolClientCommand({ ...settings, ClientId: found.ClientId }));
      return found.ClientId;
    }
    nextToken = page.NextToken;
  } while (nextToken);
  const created = await client.send(new CreateUserPoolClientCommand({ ...settings, GenerateSecret: false }));
  const id = created.UserPoolClient?.ClientId;
  if (!id) throw new Error(`CreateUserPoolClient for ${userPoolId} returned no id`);
  return id;
}

async function ensureGroup(
  client: CognitoIdentityProviderClient,
  userPoolId: string,
  groupName: string,
): Promise<void> {
  try {
    await client.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: groupName }));
  } catch (error) {
    if (!(error instanceof GroupExistsException)) throw error;
  }
}

/** Returns the user's `sub`. An existing user keeps its password (a developer may have changed it). */
async function ensureUser(client: CognitoIdentityProviderClient, userPoolId: string, user: LocalUser): Promise<string> {
  let existing = await getUser(client, userPoolId, user.email);
  if (!existing) {
    await client.send(
      new AdminCreateUserCommand({
        UserPoolId: userPoolId,
        Username: user.email,
        TemporaryPassword: user.password,
        MessageAction: "SUPPRESS",
        UserAttributes: [
          { Name: "email", Value: user.email },
          { Name: "email_verified", Value: "true" },
        ],
      }),
    );
    await client.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: userPoolId,
        Username: user.email,
        Password: user.password,
        Permanent: true,
      }),
    );
    existing = await getUser(client, userPoolId, user.email);
  }
  const attribute = (name: string) => existing?.UserAttributes?.find((a) => a.Name === name)?.Value;
  if (attribute("email_verified") !== "true") {
    // cognito-local only keeps email_verified when email is sent along.
    await client.send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: userPoolId,
        Username: user.email,
        UserAttributes: [
          { Name: "email", Value: user.email },
          { Name: "email_verified", Value: "true" },
        ],
      }),
    );
  }
  for (const group of user.groups ?? []) {
    await client.send(
      new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: user.email, GroupName: group }),
    );
  }
  const sub = attribute("sub");
  if (!sub) throw new Error(`user ${user.email} has no sub`);
  return sub;
}

async function getUser(
  client: CognitoIdentityProviderClient,
  userPoolId: string,
  username: string,
): Promise<AdminGetUserCommandOutput | undefined> {
  try {
    return await client.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: username }));
  } catch (error) {
    if (error instanceof UserNotFoundException) return undefined;
    throw error;
  }
}
