/** `unsubscribe` `{topic}` → `unsubscribed` (SPEC §4). */
import type { ConnectionsApi } from "../connections-api";
import * as Subscription from "../subscription";
import { unsubscribeFrame } from "../validation-frames";
import { type Act, type FrameContext, type FrameOutcome, handleFrame } from "./frame";
import { echoId } from "./reply";

export const unsubscribe: Act<"unsubscribe"> = async (frame, ctx) => {
  await Subscription.remove(ctx.connectionId, frame.topic);
  return [{ type: "unsubscribed", ...echoId(frame), topic: frame.topic }];
};

export function handleUnsubscribe(ctx: FrameContext, connections: ConnectionsApi): Promise<FrameOutcome> {
  return handleFrame(unsubscribeFrame, unsubscribe, ctx, connections);
}
