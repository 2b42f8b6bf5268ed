/** Errors of the `@connections` clients: shaped as the AWS SDK throws them, so callers test `name`. */

/** An error as the SDK would have thrown it: `name`, `$metadata.httpStatusCode`, `$fault`. */
export class ConnectionsApiError extends Error {
  readonly $fault: "client" | "server";
  readonly $metadata: { httpStatusCode?: number; requestId?: string; attempts: number };
  constructor(
    name: string,
    message: string,
    status: number | undefined,
    requestId: string | undefined,
    attempts: number,
  ) {
    super(message);
    this.name = name;
    this.$fault = status !== undefined && status < 500 ? "client" : "server";
    this.$metadata = { httpStatusCode: status, requestId, attempts };
  }
}
