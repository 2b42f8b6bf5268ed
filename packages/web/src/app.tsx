import { Hub } from "aws-amplify/utils";
import { Component, lazy, type ReactNode, Suspense, useCallback, useEffect, useState } from "react";
import { currentUser, onSignOutElsewhere, type SignedInUser, signOut } from "./auth";
import { AttentionSettings } from "./components/attention-settings";
import { ConnectionBadge } from "./components/connection-badge";
import { CustomerHome } from "./components/customer-home";
import { OrderPage } from "./components/order-page";
import { StaffHome } from "./components/staff-home";
import { ToastProvider, useToast } from "./components/toasts";
import type { WebConfig } from "./config";
import { describeError } from "./errors";
import { useAttention } from "./hooks/use-attention";
import { useHashRoute } from "./hooks/use-hash-route";
import { RealtimeProvider, useRealtime } from "./hooks/use-realtime";
import { appName, useScreen } from "./hooks/use-screen";

const loadSignIn = () => import("./components/sign-in");
const SignIn = lazy(loadSignIn);

export function App(props: { config: WebConfig }) {
  // undefined: still reading the stored session; null: signed out.
  const [user, setUser] = useState<SignedInUser | null | undefined>(undefined);
  const refresh = useCallback(() => {
    void currentUser().then((found) => setUser(found ?? null));
  }, []);
  useEffect(refresh, [refresh]);
  // A session that can no longer be refreshed (refresh token expired or revoked) ends here,
  // back at sign-in, instead of a connection retrying forever with no token.
  useEffect(
    () =>
      Hub.listen("auth", ({ payload }) => {
        if (payload.event === "tokenRefresh_failure" || payload.event === "signedOut") setUser(null);
      }),
    [],
  );
  // Another tab signed out: this one drops its screens, and with them its socket.
  useEffect(() => onSignOutElsewhere(() => setUser(null)), []);

  return (
    <ErrorBoundary>
      <ToastProvider>
        {user === undefined ? (
          <Splash />
        ) : user === null ? (
          <SignedOut onSignedIn={refresh} local={Boolean(props.config.cognitoEndpoint)} />
        ) : (
          <SignedInApp config={props.config} user={user} onSignedOut={() => setUser(null)} />
        )}
      </ToastProvider>
    </ErrorBoundary>
  );
}

/** A rendering bug shows a way out instead of a blank page. */
class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <main className="content">
        <div className="panel" role="alert">
          <h2>Something went wrong</h2>
          <p className="muted">{this.state.error.message}</p>
          <button type="button" className="primary" onClick={() => window.location.reload()}>
            Reload
          </button>
        </div>
      </main>
    );
  }
}

/**
 * What a signed-out visitor sees first: a light page (no Authenticator yet, so it stays small);
 * the Authenticator chunk is fetched when a button is hovered or focused and shown on click.
 */
function SignedOut(props: { onSignedIn: () => void; local: boolean }) {
  const [form, setForm] = useState<"signIn" | "signUp" | null>(null);
  const prefetch = () => void loadSignIn();
  return (
    <>
      <Header />
      <main className="content">
        {form ? (
          <Suspense fallback={<Splash />}>
            <SignIn onSignedIn={props.onSignedIn} local={props.local} initialState={form} />
          </Suspense>
        ) : (
          <Landing prefetch={prefetch} onChoose={setForm} />
        )}
      </main>
    </>
  );
}

function Landing(props: { prefetch: () => void; onChoose: (form: "signIn" | "signUp") => void }) {
  const { prefetch } = props;
  const heading = useScreen("Order, then watch it happen");
  return (
    <section className="panel landing" aria-labelledby="landing-title">
      <h1 id="landing-title" ref={heading} tabIndex={-1}>
        Order, then watch it happen
      </h1>
      <p className="muted">
        Place an order and follow it live from the kitchen to your door, and chat with the staff about it. Staff run
        every order from one live board.
      </p>
      <div className="landing-actions">
        <button
          type="button"
          className="primary"
          onMouseEnter={prefetch}
          onFocus={prefetch}
          onClick={() => props.onChoose("signIn")}
        >
          Sign in
        </button>
        <button type="button" onMouseEnter={prefetch} onFocus={prefetch} onClick={() => props.onChoose("signUp")}>
          Create account
        </button>
      </div>
    </section>
  );
}

function SignedInApp(props: { config: WebConfig; user: SignedInUser; onSignedOut: () => void }) {
  const toast = useToast();
  const onError = useCallback((error: Error) => toast.error(`Live updates: ${describeError(error)}`), [toast]);
  return (
    <RealtimeProvider config={props.config} userId={props.user.userId} onError={onError}>
      <Attention user={props.user} />
      <SignedInHeader user={props.user} onSignedOut={props.onSignedOut} />
      <main className="content">
        <Screen user={props.user} />
      </main>
    </RealtimeProvider>
  );
}

/**
 * Sign-out closes the user's WebSocket connections on every device first (while the token still
 * works), then ends the session (Amplify revokes the refresh token). What the access token can
 * still do until it expires (at most 15 minutes): REST calls, and a new ticket for a new
 * connection — whoever holds a copy of it; this browser forgets it.
 */
function SignedInHeader(props: { user: SignedInUser; onSignedOut: () => void }) {
  const client = useRealtime();
  const signOutHere = () =>
    void client.api
      .closeMyConnections()
      // Unreachable (offline): sign out all the same; this tab's own connection closes with its client.
      .catch(() => undefined)
      .then(() => signOut())
      .finally(props.onSignedOut);
  return <Header user={props.user} onSignOut={signOutHere} />;
}

/** The `(N) ` title, notifications and sound while the tab is hidden (use-attention.ts). */
function Attention(props: { user: SignedInUser }) {
  useAttention(props.user);
  return null;
}

function Screen(props: { user: SignedInUser }) {
  const route = useHashRoute();
  if (route.name === "order") return <OrderPage key={route.orderId} orderId={route.orderId} user={props.user} />;
  if (props.user.role === "staff")
    return <StaffHome user={props.user} view={route.name === "history" ? "history" : "board"} />;
  return <CustomerHome customerId={props.user.userId} />;
}

function Header(props: { user?: SignedInUser; onSignOut?: () => void }) {
  return (
    <header className="app-header">
      <a href="#/" className="brand">
        {appName}
      </a>
      {props.user ? (
        <div className="header-right">
          <ConnectionBadge />
          <AttentionSettings />
          <span className="user" title={props.user.email}>
            {props.user.role === "staff" ? "Staff" : props.user.email}
          </span>
          <button type="button" className="link-button" onClick={props.onSignOut}>
            Sign out
          </button>
        </div>
      ) : null}
    </header>
  );
}

function Splash() {
  return (
    <p className="splash muted" role="status">
      Loading…
    </p>
  );
}
