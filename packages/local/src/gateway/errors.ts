/**
 * Errors the local API Gateway answers with. Each carries the name API Gateway puts into
 * `x-amzn-ErrorType` and the HTTP status, because the AWS SDK builds its exception (its `name`
 * and `$metadata.httpStatusCode`) from exactly those two.
 */
export class GatewayError extends Error {
  override name = "GatewayError";
  readonly statusCode: number = 500;
}

/** The connection does not exist, is not yet connected or is already closed (410). */
export class GoneException extends GatewayError {
  override name = "GoneException";
  override readonly statusCode = 410;
}

/** `PostToConnection` data over the 128 KB message limit (413). */
export class PayloadTooLargeException extends GatewayError {
  override name = "PayloadTooLargeException";
  override readonly statusCode = 413;
}

/** A request the management API cannot act on, e.g. a `PostToConnection` with no data (400). */
export class BadRequestException extends GatewayError {
  override name = "BadRequestException";
  override readonly statusCode = 400;
}

/** No SigV4 signature, or an unknown path under the management API (403). */
export class ForbiddenException extends GatewayError {
  override name = "ForbiddenException";
  override readonly statusCode = 403;
}
