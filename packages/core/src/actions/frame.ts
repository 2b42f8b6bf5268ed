/**
 * What every named WebSocket route does with a frame (SPEC §4); each action's module
 * (subscribe.ts, unsubscribe.ts, send-message.ts, ping.ts) brings only its own step, so a route
 * loads only what it runs.
 *
 * Every frame goes: decode (size, JSON, `__proto__`) and validate for its route → count it
 * against its user's limits (rate-limit.ts; an invalid frame counts too, and is then refused for
 * what is wrong with it; a valid sparse `ping` is the heartbeat, which writes nothing) → act → reply on the connection. A refusal at any step is a structured
 * error frame `{type:"error", code, message, id}` on that connection; a refused frame writes
 * nothing but its count.
 */
import type { Identity } from "../authz";
import { type ConnectionsApi, reply } from "../connections-api";
import { ForbiddenError } from "../errors";
import type { ClientAction, ServerFrame } from "../protocol";
import { admitFrame, admitHeartbeat } from "../rate-limit";
import type { FrameOf, FrameValidator } from "../validation-frames";
import { decodeFrame } from "../validation-json";
import { type FrameContext, type FrameOutcome, replyWithError } from "./reply";

export type { FrameContext, FrameOutcome };

/** The connection a valid frame came from, with its identity. */
export interface ActionContext {
  connectionId: string;
  connectedAt: number;
  identity: Identity;
}

/** An action's own step: the frames it answers a valid frame with. */
export type Act<A extends ClientAction> = (frame: FrameOf<A>, ctx: ActionContext) => Promise<ServerFrame[]>;

/** Handle one frame delivered to the route of `route` (its own validator). Never throws for a bad frame. */
export async function handleFrame<A extends ClientAction>(
  route: FrameValidator<A>,
  act: Act<A>,
  ctx: FrameContext,
  connections: ConnectionsApi,
): Promise<FrameOutcome> {
  const action = route.action;
  let frameId: string | undefined;
  try {
    const identity = ctx.identity;
    if (identity === undefined) throw new ForbiddenError("connection has no identity");
    let frame: FrameOf<A> | undefined;
    let invalid: unknown;
    try {
      const decoded = decodeFrame(ctx.body);
      frameId = decoded.frameId;
      if (decoded.rejection !== undefined) throw decoded.rejection;
      frame = route.validate(decoded.value);
    } catch (error) {
      invalid = error;
    }
    if (frame?.action === "ping") await admitHeartbeat(identity.userId, ctx.connectionId);
    else {
      const chatOrderId = frame?.action === "sendMessage" ? (frame as FrameOf<"sendMessage">).orderId : undefined;
      await admitFrame(identity.userId, chatOrderId);
    }
    if (frame === undefined) throw invalid;
    const frames = await act(frame, { connectionId: ctx.connectionId, connectedAt: ctx.connectedAt, identity });
    const delivered = await reply(connections, ctx.connectionId, frames);
    return { action, ...(delivered ? {} : { gone: true }) };
  } catch (error) {
    return replyWithError(connections, action, ctx.connectionId, error, frameId);
  }
}
