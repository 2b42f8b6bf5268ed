/**
 * The one `@connections` (API Gateway Management API) client of the app, and the only place
 * that posts frames to a WebSocket connection. On AWS the endpoint is
 * `Resource.Realtime.managementEndpoint` (https://{api}.execute-api.{region}.amazonaws.com/{stage});
 * locally it is the local API Gateway's, with the same paths and errors.
 *
 * The client is `ConnectionsTransport`, not the SDK's `ApiGatewayManagementApiClient`: same
 * signatures and error names, a third of the CPU per post (see connections-transport.ts and
 * docs/benchmarks.md). It takes the SDK's command objects, so callers read as SDK code.
 */
import {
  DeleteConnectionCommand,
  type GetConnectionCommand,
  PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";
import { managementEndpoint } from "./config";
import { ConnectionsTransport } from "./connections-transport";
import { isErrorNamed } from "./dynamo";
import type { ServerFrame } from "./protocol";

/** What we use of the client; the unit tests of fan-out pass an in-memory fake with this shape. */
export interface ManagementApi {
  send(command: PostToConnectionCommand | DeleteConnectionCommand | GetConnectionCommand): Promise<unknown>;
}

let client: ManagementApi | undefined;

export function managementApi(): ManagementApi {
  client ??= new ConnectionsTransport({ endpoint: managementEndpoint() });
  return client;
}

const encoder = new TextEncoder();

export function encodeFrame(frame: ServerFrame): Uint8Array {
  return encoder.encode(JSON.stringify(frame));
}

/** Post one frame. Throws the SDK error as is (callers decide what `GoneException` means to them). */
export async function postFrame(
  connectionId: string,
  frame: ServerFrame,
  api: ManagementApi = managementApi(),
): Promise<void> {
  await api.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: encodeFrame(frame) }));
}

/**
 * Reply to the connection that sent a frame, frames in order. A reply to a connection that has
 * gone meanwhile is not an error of the request (the client left); it reports `false`.
 */
export async function reply(
  connectionId: string,
  frames: readonly ServerFrame[],
  api: ManagementApi = managementApi(),
): Promise<boolean> {
  for (const frame of frames) {
    try {
      await postFrame(connectionId, frame, api);
    } catch (error) {
      if (isErrorNamed(error, "GoneException")) return false;
      throw error;
    }
  }
  return true;
}

/** Close a connection from the server side (API Gateway then runs `$disconnect`). */
export async function closeConnection(connectionId: string, api: ManagementApi = managementApi()): Promise<void> {
  try {
    await api.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
  } catch (error) {
    if (!isErrorNamed(error, "GoneException")) throw error;
  }
}
