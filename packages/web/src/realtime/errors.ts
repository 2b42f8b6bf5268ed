/** Errors of the realtime client. Each sets `name`, so callers can tell them apart after bundling. */
import { ErrorCode } from "@live-orders/core/protocol";

export class RealtimeError extends Error {
  override name = "RealtimeError";
}

/** The transport's bounded send queue is full (the socket has been down for a while). */
export class SendQueueFullError extends RealtimeError {
  override name = "SendQueueFullError";
  constructor(readonly limit: number) {
    super(`offline send queue is full (${limit} messages); try again when connected`);
  }
}

/** The server answered a request with `{type: "error"}` (SPEC §4) or REST answered non-2xx. */
export class ServerError extends RealtimeError {
  override name = "ServerError";
  constructor(
    readonly code: ErrorCode | string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Refusals that say "not now" rather than "no": the request is worth sending again later. */
const refusedForNowCodes: ReadonlySet<string> = new Set([ErrorCode.RateLimited, ErrorCode.Internal]);

export function isRefusedForNow(error: ServerError): boolean {
  return refusedForNowCodes.has(error.code);
}

/** A request got no reply in time, after its retries. */
export class RequestTimeoutError extends RealtimeError {
  override name = "RequestTimeoutError";
}

/** The client was closed while a request was pending. */
export class ClientClosedError extends RealtimeError {
  override name = "ClientClosedError";
  constructor() {
    super("realtime client closed");
  }
}
