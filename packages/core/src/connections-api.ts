/**
 * The port through which the domain reaches API Gateway's `@connections` API, and the only place
 * that turns frames into messages for a WebSocket connection. Core defines the port and never
 * builds a client: the function adapters pass one in (`@live-orders/connections` holds the
 * stock SDK client and the lean one, chosen by configuration).
 */
import { isErrorNamed } from "./errors";
import type { ServerFrame } from "./protocol";

/**
 * `POST` and `DELETE @connections/{connectionId}`. A failure rejects with an error as the AWS
 * SDK throws it: recognised by `name` (`GoneException`, `LimitExceededException`,
 * `PayloadTooLargeException`, `ForbiddenException`…), with `$metadata.httpStatusCode` when an
 * HTTP response came back (none for a network error).
 */
export interface ConnectionsApi {
  /** Send `data` as one WebSocket message to the connection. */
  post(connectionId: string, data: Uint8Array): Promise<void>;
  /** Close the connection from the server side (API Gateway then runs `$disconnect`). */
  delete(connectionId: string): Promise<void>;
}

/**
 * `GET @connections/{connectionId}`: resolves while API Gateway holds the connection open and
 * rejects with `GoneException` once it does not — the authority on which connections are live
 * when our own records (a missed `$disconnect`) might say otherwise.
 */
export interface ConnectionLookup {
  getConnection(connectionId: string): Promise<unknown>;
}

const encoder = new TextEncoder();

export function encodeFrame(frame: ServerFrame): Uint8Array {
  return encoder.encode(JSON.stringify(frame));
}

/**
 * Reply to the connection that sent a frame, frames in order. A reply to a connection that has
 * gone meanwhile is not an error of the request (the client left); it reports `false`.
 */
export async function reply(
  connections: ConnectionsApi,
  connectionId: string,
  frames: readonly ServerFrame[],
): Promise<boolean> {
  for (const frame of frames) {
    try {
      await connections.post(connectionId, encodeFrame(frame));
    } catch (error) {
      if (isErrorNamed(error, "GoneException")) return false;
      throw error;
    }
  }
  return true;
}
