/**
 * The Amplify Authenticator, in its own chunk (loaded with React.lazy when a visitor asks to
 * sign in or sign up): it and its styles weigh as much as the rest of the app together, and a
 * signed-in visitor never needs them.
 */
import { Authenticator } from "@aws-amplify/ui-react";
import "@aws-amplify/ui-react/styles.css";
import type { signIn } from "aws-amplify/auth";
import { useEffect } from "react";
import { signInWithConfiguredFlow } from "../auth";

// The Authenticator calls handleSignIn(input); its type also lists an internal (ctx, input) overload.
const services = { handleSignIn: signInWithConfiguredFlow as typeof signIn };

function SignedIn(props: { onSignedIn: () => void }) {
  const { onSignedIn } = props;
  useEffect(() => onSignedIn(), [onSignedIn]);
  return null;
}

export default function SignIn(props: { onSignedIn: () => void; local: boolean; initialState: "signIn" | "signUp" }) {
  return (
    <div className="sign-in">
      <Authenticator loginMechanisms={["email"]} services={services} initialState={props.initialState}>
        {() => <SignedIn onSignedIn={props.onSignedIn} />}
      </Authenticator>
      {props.local ? (
        <p className="muted sign-in-hint">
          Local stack demo logins: alice@example.com or bob@example.com (customers), staff@example.com (staff), password
          Passw0rd!
        </p>
      ) : null}
    </div>
  );
}
