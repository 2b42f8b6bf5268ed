/**
 * `$default`: every frame that is not JSON or names no route (API Gateway's route selection sends
 * it here). Always an error reply (BAD_REQUEST or UNKNOWN_ACTION), nothing written.
 */
import type { ConnectionsApi } from "../connections-api";
import { defaultRouteError } from "../validation";
import { type FrameContext, type FrameOutcome, replyWithError } from "./reply";

export async function handleDefault(
  ctx: Pick<FrameContext, "connectionId" | "body">,
  connections: ConnectionsApi,
): Promise<FrameOutcome> {
  const { error, frameId } = defaultRouteError(ctx.body);
  return replyWithError(connections, "$default", ctx.connectionId, error, frameId);
}
