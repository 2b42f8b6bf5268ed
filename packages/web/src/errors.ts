/** Errors of the web app (the realtime module keeps its own in realtime/errors.ts). */
export class WebError extends Error {
  override name = "WebError";
}

/** A VITE_* variable the build needs was not set. */
export class MissingConfigError extends WebError {
  override name = "MissingConfigError";
  constructor(readonly key: string) {
    super(`missing configuration: ${key} (set it in the environment Vite builds with)`);
  }
}

export { RequestTimeoutError, SendQueueFullError, ServerError } from "./realtime/errors";
export { NetworkError } from "./realtime/orders-api";

/** The browser says it has no network. */
export function isOffline(): boolean {
  return typeof navigator !== "undefined" && navigator.onLine === false;
}

/**
 * The server's words for a conflict, without the technical reason it adds in parentheses
 * ("Staff confirmed this order first (stale version 1: …)" → "Staff confirmed this order first").
 */
export function conflictText(message: string): string {
  const reason = message.indexOf(" (");
  return reason > 0 && message.endsWith(")") ? message.slice(0, reason) : message;
}

/** What to show a person for an error, without stack traces or internals. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === "NetworkError" || (isOffline() && error instanceof TypeError))
      return isOffline()
        ? "You are offline: nothing was sent."
        : "The server could not be reached: nothing was sent. Check your connection.";
    if (error.name === "ServerError" && "code" in error) {
      const code = String((error as { code: unknown }).code);
      // A 409 says what actually happened (SPEC §5): show it as it is.
      if (code === "CONFLICT") return conflictText(error.message);
      if (code === "NOT_FOUND") return "That order does not exist, or is not yours.";
      if (code === "FORBIDDEN") return "You are not allowed to do that.";
      if (code === "RATE_LIMITED") return "Too many requests. Wait a moment and try again.";
    }
    return error.message;
  }
  return String(error);
}
