import { useConnectionState } from "../hooks/use-realtime";

const describe: Record<string, string> = {
  connected: "Live updates on",
  connecting: "Connecting to live updates…",
  reconnecting: "Connection lost, reconnecting…",
  offline: "Offline: changes will appear when you are back online",
};

/** The visible connection state; the text is one of the four states (SPEC §7 test hook). */
export function ConnectionBadge() {
  const state = useConnectionState();
  return (
    // role=status: a screen reader announces when live updates drop and come back.
    <span className={`connection connection-${state}`} title={describe[state]} role="status">
      <span className="connection-dot" aria-hidden="true" />
      <span data-testid="connection-state">{state}</span>
      <span className="visually-hidden">: {describe[state]}</span>
    </span>
  );
}
