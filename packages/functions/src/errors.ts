/**
 * Errors of the handler layer. Domain errors (and their one mapping to REST and WebSocket
 * replies) live in `@live-orders/core/errors`; these are the few that only an adapter raises.
 */
import { AppError, UnauthorizedError } from "@live-orders/core/errors";

export { AppError, UnauthorizedError };

/**
 * What a Lambda REQUEST authorizer throws to make API Gateway answer 401: the error MESSAGE must
 * be exactly "Unauthorized" (any other failure is a 500 to the client).
 */
export class AuthorizerUnauthorized extends Error {
  constructor() {
    super("Unauthorized");
    this.name = "AuthorizerUnauthorized";
  }
}

/** Configuration that must not be used, e.g. a local token issuer on a non-loopback host. */
export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigurationError";
  }
}
