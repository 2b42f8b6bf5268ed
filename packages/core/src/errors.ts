/**
 * Errors that reach a client. Each carries its protocol code (SPEC §4) and HTTP status (SPEC §5);
 * `toHttpResponse` and `toErrorFrame` are the one mapping from an error to a REST or WebSocket
 * reply, so both APIs report the same failure the same way.
 */
import { ErrorCode, type ServerFrame } from "./protocol";

export const httpStatusOf = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNKNOWN_ACTION: 400,
  RATE_LIMITED: 429,
  INTERNAL: 500,
} as const satisfies Record<ErrorCode, number>;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra detail for the client (e.g. which field was wrong). Must never hold secrets. */
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, options?: { details?: unknown; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.status = httpStatusOf[code];
    this.details = options?.details;
  }
}

export class BadRequestError extends AppError {
  constructor(message: string, details?: unknown) {
    super(ErrorCode.BadRequest, message, { details });
    this.name = "BadRequestError";
  }
}
export class UnknownActionError extends AppError {
  constructor(message = "unknown action") {
    super(ErrorCode.UnknownAction, message);
    this.name = "UnknownActionError";
  }
}
export class UnauthorizedError extends AppError {
  constructor(message = "unauthorized") {
    super(ErrorCode.Unauthorized, message);
    this.name = "UnauthorizedError";
  }
}
export class ForbiddenError extends AppError {
  constructor(message = "forbidden") {
    super(ErrorCode.Forbidden, message);
    this.name = "ForbiddenError";
  }
}
/** Also what a caller gets for something that exists but is not theirs: existence is not leaked. */
export class NotFoundError extends AppError {
  constructor(message = "not found") {
    super(ErrorCode.NotFound, message);
    this.name = "NotFoundError";
  }
}
export class ConflictError extends AppError {
  constructor(message: string, details?: unknown) {
    super(ErrorCode.Conflict, message, { details });
    this.name = "ConflictError";
  }
}
export class RateLimitedError extends AppError {
  constructor(message = "too many requests, slow down") {
    super(ErrorCode.RateLimited, message);
    this.name = "RateLimitedError";
  }
}
export class PayloadTooLargeError extends AppError {
  constructor(message: string) {
    super(ErrorCode.PayloadTooLarge, message);
    this.name = "PayloadTooLargeError";
  }
}
export class InternalError extends AppError {
  constructor(message = "internal error", cause?: unknown) {
    super(ErrorCode.Internal, message, { cause });
    this.name = "InternalError";
  }
}

/** AWS SDK v3 errors (and the `@connections` clients') are recognised by `name`; there is no `statusCode`. */
export function isErrorNamed(error: unknown, name: string): boolean {
  return typeof error === "object" && error !== null && (error as { name?: unknown }).name === name;
}

/** Anything that is not an AppError is a bug or an outage: the client learns nothing more than INTERNAL. */
export function asAppError(error: unknown): AppError {
  return error instanceof AppError ? error : new InternalError("internal error", error);
}

export interface HttpErrorResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** REST reply: `{code, message}` (+ `details` for bad input) with the error's HTTP status. */
export function toHttpResponse(error: unknown): HttpErrorResponse {
  const appError = asAppError(error);
  const body: Record<string, unknown> = { code: appError.code, message: appError.message };
  if (appError.details !== undefined) body.details = appError.details;
  return {
    statusCode: appError.status,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  };
}

/** WebSocket reply: `{type:"error", code, message, id}` echoing the frame's id when it had one. */
export function toErrorFrame(error: unknown, id?: string): Extract<ServerFrame, { type: "error" }> {
  const appError = asAppError(error);
  return {
    type: "error",
    code: appError.code,
    message: appError.message,
    ...(id === undefined ? {} : { id }),
  };
}
