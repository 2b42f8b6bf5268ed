/** `ping` → `pong` (SPEC §4): the heartbeat that keeps API Gateway's 10-minute idle limit away. */
import type { ConnectionsApi } from "../connections-api";
import { type Act, type FrameContext, type FrameOutcome, handleFrame } from "./frame";
import { echoId } from "./reply";

export const ping: Act<"ping"> = async (frame) => [{ type: "pong", ...echoId(frame) }];

export function handlePing(ctx: FrameContext, connections: ConnectionsApi): Promise<FrameOutcome> {
  return handleFrame("ping", ping, ctx, connections);
}
