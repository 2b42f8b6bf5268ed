/**
 * `$default`: every frame that is not JSON or names no route (API Gateway's route selection sends
 * it here). Always an error reply (BAD_REQUEST or UNKNOWN_ACTION; RATE_LIMITED past the user's
 * frame limit: these frames count like any other), nothing written but the count.
 */
import type { ConnectionsApi } from "../connections-api";
import { ForbiddenError } from "../errors";
import { admitFrame } from "../rate-limit";
import { defaultRouteError } from "../validation-frames";
import { type FrameContext, type FrameOutcome, replyWithError } from "./reply";

export async function handleDefault(
  ctx: Pick<FrameContext, "connectionId" | "identity" | "body">,
  connections: ConnectionsApi,
): Promise<FrameOutcome> {
  const { error, frameId } = defaultRouteError(ctx.body);
  try {
    if (ctx.identity === undefined) throw new ForbiddenError("connection has no identity");
    await admitFrame(ctx.identity.userId);
  } catch (refusal) {
    return replyWithError(connections, "$default", ctx.connectionId, refusal, frameId);
  }
  return replyWithError(connections, "$default", ctx.connectionId, error, frameId);
}
