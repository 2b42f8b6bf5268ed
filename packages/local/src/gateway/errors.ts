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

/** A SigV4 signature that does not verify: wrong secret, altered request, stale date (403). */
export class InvalidSignatureException extends GatewayError {
  override name = "InvalidSignatureException";
  override readonly statusCode = 403;
}

/** A SigV4 access key the gateway does not know (403). */
export class UnrecognizedClientException extends GatewayError {
  override name = "UnrecognizedClientException";
  override readonly statusCode = 403;
}
