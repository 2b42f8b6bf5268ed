/**
 * A load that failed says so and offers a retry (SPEC §7 hooks `load-error`, `retry`): never an
 * empty list or a blank page for a failed load. The caller also retries by itself when the
 * connection returns (useOnConnectionReturn).
 */
import { describeError, isOffline } from "../errors";

export function LoadError(props: { what: string; error?: Error; onRetry: () => void; compact?: boolean }) {
  const reason = props.error ? describeError(props.error) : "";
  const text = isOffline()
    ? `You are offline: ${props.what} will load when the connection returns.`
    : `Could not load ${props.what}.${reason ? ` ${reason.replace(/: nothing was sent\.?/, ".")}` : ""}`;
  return (
    <div
      className={`load-error ${props.compact ? "load-error-compact" : "panel"}`}
      data-testid="load-error"
      role="alert"
    >
      <p>{text}</p>
      <button type="button" data-testid="retry" onClick={props.onRetry}>
        Retry
      </button>
    </div>
  );
}
