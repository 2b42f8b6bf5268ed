/**
 * The Amplify Authenticator, in its own chunk (loaded with React.lazy when a visitor asks to
 * sign in or sign up): it and its styles weigh as much as the rest of the app together, and a
 * signed-in visitor never needs them.
 */
import { Authenticator, useAuthenticator } from "@aws-amplify/ui-react";
import "@aws-amplify/ui-react/styles.css";
import { confirmResetPassword, type signIn, type signUp } from "aws-amplify/auth";
import { useEffect, useMemo, useState } from "react";
import { signInWithConfiguredFlow, signUpWithConfiguredFlow } from "../auth";
import { useScreen } from "../hooks/use-screen";

function SignedIn(props: { onSignedIn: () => void }) {
  const { onSignedIn } = props;
  useEffect(() => onSignedIn(), [onSignedIn]);
  return null;
}

const headings: Record<string, string> = {
  signIn: "Sign in",
  signUp: "Create an account",
  confirmSignUp: "Confirm your e-mail",
  forgotPassword: "Reset your password",
  confirmResetPassword: "Choose a new password",
};

/** The Authenticator's current form as the screen's `h1` and title. */
function FormHeading(props: { passwordChanged: boolean }) {
  const { route } = useAuthenticator((context) => [context.route]);
  const text = headings[route] ?? "Sign in";
  const heading = useScreen(text);
  return (
    <>
      <h1 className="page-title sign-in-title" ref={heading} tabIndex={-1}>
        {text}
      </h1>
      {props.passwordChanged && route === "signIn" ? (
        <p className="notice" role="status">
          Password changed: sign in with your new password.
        </p>
      ) : null}
    </>
  );
}

export default function SignIn(props: { onSignedIn: () => void; local: boolean; initialState: "signIn" | "signUp" }) {
  const [passwordChanged, setPasswordChanged] = useState(false);
  const services = useMemo(
    () => ({
      // The Authenticator calls handleSignIn(input); its type also lists an internal (ctx, input) overload.
      handleSignIn: signInWithConfiguredFlow as typeof signIn,
      handleSignUp: signUpWithConfiguredFlow as typeof signUp,
      handleForgotPasswordSubmit: (async (input: Parameters<typeof confirmResetPassword>[0]) => {
        await confirmResetPassword(input);
        setPasswordChanged(true);
      }) as typeof confirmResetPassword,
    }),
    [],
  );
  return (
    <div className="sign-in">
      <Authenticator.Provider>
        <FormHeading passwordChanged={passwordChanged} />
        <Authenticator loginMechanisms={["email"]} services={services} initialState={props.initialState}>
          {() => <SignedIn onSignedIn={props.onSignedIn} />}
        </Authenticator>
      </Authenticator.Provider>
      {props.local ? (
        <p className="muted sign-in-hint">
          Local stack demo logins: alice@example.com or bob@example.com (customers), staff@example.com (staff), password
          Passw0rd! Sign-up confirmation and password-reset codes are printed in the <code>npm start</code> terminal.
        </p>
      ) : null}
    </div>
  );
}
