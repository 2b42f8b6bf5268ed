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

/** What to show a person for an error, without stack traces or internals. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === "ServerError" && "code" in error) {
      const code = String((error as { code: unknown }).code);
      if (code === "CONFLICT") return "Someone changed this order first. It has been refreshed; try again.";
      if (code === "NOT_FOUND") return "That order does not exist, or is not yours.";
      if (code === "FORBIDDEN") return "You are not allowed to do that.";
      if (code === "RATE_LIMITED") return "Too many requests. Wait a moment and try again.";
    }
    return error.message;
  }
  return String(error);
}
