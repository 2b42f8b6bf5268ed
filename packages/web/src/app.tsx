import { Suspense, lazy, useCallback, useEffect, useState } from "react";
import { type SignedInUser, currentUser, signOut } from "./auth";
import { ConnectionBadge } from "./components/connection-badge";
import { CustomerHome } from "./components/customer-home";
import { OrderPage } from "./components/order-page";
import { StaffBoard } from "./components/staff-board";
import { ToastProvider, useToast } from "./components/toasts";
import type { WebConfig } from "./config";
import { describeError } from "./errors";
import { useHashRoute } from "./hooks/use-hash-route";
import { RealtimeProvider } from "./hooks/use-realtime";

const SignIn = lazy(() => import("./components/sign-in"));

export function App(props: { config: WebConfig }) {
  // undefined: still reading the stored session; null: signed out.
  const [user, setUser] = useState<SignedInUser | null | undefined>(undefined);
  const refresh = useCallback(() => {
    void currentUser().then((found) => setUser(found ?? null));
  }, []);
  useEffect(refresh, [refresh]);

  return (
    <ToastProvider>
      {user === undefined ? (
        <Splash />
      ) : user === null ? (
        <>
          <Header />
          <main className="content">
            <Suspense fallback={<Splash />}>
              <SignIn onSignedIn={refresh} local={Boolean(props.config.cognitoEndpoint)} />
            </Suspense>
          </main>
        </>
      ) : (
        <SignedInApp config={props.config} user={user} onSignOut={() => void signOut().finally(() => setUser(null))} />
      )}
    </ToastProvider>
  );
}

function SignedInApp(props: { config: WebConfig; user: SignedInUser; onSignOut: () => void }) {
  const toast = useToast();
  const onError = useCallback((error: Error) => toast.error(`Live updates: ${describeError(error)}`), [toast]);
  return (
    <RealtimeProvider config={props.config} userId={props.user.userId} onError={onError}>
      <Header user={props.user} onSignOut={props.onSignOut} />
      <main className="content">
        <Screen user={props.user} />
      </main>
    </RealtimeProvider>
  );
}

function Screen(props: { user: SignedInUser }) {
  const route = useHashRoute();
  if (route.name === "order") return <OrderPage key={route.orderId} orderId={route.orderId} user={props.user} />;
  return props.user.role === "staff" ? <StaffBoard user={props.user} /> : <CustomerHome />;
}

function Header(props: { user?: SignedInUser; onSignOut?: () => void }) {
  return (
    <header className="app-header">
      <a href="#/" className="brand">
        Live Orders
      </a>
      {props.user ? (
        <div className="header-right">
          <ConnectionBadge />
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
