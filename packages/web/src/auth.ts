/**
 * Amplify Auth: configuration and the few calls the app makes. Only `aws-amplify/auth` is
 * loaded up front; the Authenticator UI is a separate, lazily loaded chunk (see sign-in.tsx).
 */

import { roleOfGroups } from "@live-orders/core/authz";
import type { Role } from "@live-orders/core/protocol";
import { Amplify } from "aws-amplify";
import {
  signOut as amplifySignOut,
  fetchAuthSession,
  type SignInInput,
  type SignUpInput,
  signIn,
  signUp,
} from "aws-amplify/auth";
import type { WebConfig } from "./config";
import { refreshTokensWithCognitoLocal } from "./local-token-refresher";

export interface SignedInUser {
  userId: string;
  email: string;
  role: Role;
}

let usePasswordAuth = false;

export function configureAuth(config: WebConfig): void {
  // cognito-local implements USER_PASSWORD_AUTH but not SRP; real Cognito keeps SRP.
  usePasswordAuth = Boolean(config.cognitoEndpoint);
  Amplify.configure({
    Auth: {
      Cognito: {
        userPoolId: config.userPoolId,
        userPoolClientId: config.userPoolClientId,
        ...(config.cognitoEndpoint ? { userPoolEndpoint: config.cognitoEndpoint } : {}),
        loginWith: { email: true },
        signUpVerificationMethod: "code",
      },
    },
  });
  if (config.cognitoEndpoint) refreshTokensWithCognitoLocal(config.cognitoEndpoint, config.userPoolClientId);
}

/** The Authenticator's sign-in, with the flow the configured pool supports. */
export function signInWithConfiguredFlow(input: SignInInput) {
  if (!usePasswordAuth) return signIn(input);
  return signIn({ ...input, options: { ...input.options, authFlowType: "USER_PASSWORD_AUTH" } });
}

/**
 * The Authenticator's sign-up. It signs the new user in by itself once the code is confirmed
 * (`autoSignIn`), with SRP unless told otherwise: locally it must be the password flow too.
 */
export function signUpWithConfiguredFlow(input: SignUpInput) {
  if (!usePasswordAuth) return signUp(input);
  return signUp({
    ...input,
    options: {
      userAttributes: input.options?.userAttributes ?? {},
      ...(input.options?.clientMetadata ? { clientMetadata: input.options.clientMetadata } : {}),
      ...(input.options?.validationData ? { validationData: input.options.validationData } : {}),
      autoSignIn: { authFlowType: "USER_PASSWORD_AUTH" },
    },
  });
}

/** The access token (refreshed by Amplify when it is about to expire, or when forced). */
export async function accessToken(options: { forceRefresh: boolean } = { forceRefresh: false }): Promise<string> {
  const session = await fetchAuthSession({ forceRefresh: options.forceRefresh });
  const token = session.tokens?.accessToken?.toString();
  if (!token) throw new Error("not signed in");
  return token;
}

/** The signed-in user from the session's tokens, or undefined. */
export async function currentUser(): Promise<SignedInUser | undefined> {
  try {
    const session = await fetchAuthSession();
    const access = session.tokens?.accessToken;
    if (!access) return undefined;
    const email = session.tokens?.idToken?.payload.email;
    return {
      userId: String(access.payload.sub),
      email: typeof email === "string" ? email : String(access.payload.username ?? ""),
      role: roleOfGroups(access.payload["cognito:groups"]),
    };
  } catch {
    return undefined;
  }
}

/**
 * Sign-out reaches every tab of this browser: Amplify keeps the session in localStorage, which
 * all tabs share, but a tab only learns of a sign-out through its own Hub. The tab that signs out
 * tells the others over a BroadcastChannel (and a storage event where there is none), and each
 * drops its screens and closes its socket.
 */
const signOutChannelName = "live-orders-auth";
const signOutStorageKey = "live-orders:signed-out";

export async function signOut(): Promise<void> {
  try {
    await amplifySignOut();
  } finally {
    announceSignOut();
  }
}

function announceSignOut(): void {
  if (typeof BroadcastChannel === "function") {
    const channel = new BroadcastChannel(signOutChannelName);
    channel.postMessage({ type: "signed-out" });
    channel.close();
  } else {
    localStorage.setItem(signOutStorageKey, String(Date.now()));
  }
}

/** Calls `onSignedOut` when another tab of this browser signs out; returns the unsubscribe. */
export function onSignOutElsewhere(onSignedOut: () => void): () => void {
  if (typeof BroadcastChannel === "function") {
    const channel = new BroadcastChannel(signOutChannelName);
    channel.onmessage = (event: MessageEvent<{ type?: string }>) => {
      if (event.data?.type === "signed-out") onSignedOut();
    };
    return () => channel.close();
  }
  const onStorage = (event: StorageEvent) => {
    if (event.key === signOutStorageKey) onSignedOut();
  };
  window.addEventListener("storage", onStorage);
  return () => window.removeEventListener("storage", onStorage);
}
