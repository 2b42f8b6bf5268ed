/**
 * `ping` → `pong {seqs}` (SPEC §4): the heartbeat that keeps API Gateway's 10-minute idle limit
 * away, carrying the current seq of every `order:` topic the connection holds, so a client that
 * missed an order's last event (a push the fan-out gave up on) learns of it within one heartbeat
 * and fills the gap. Reads only what `pong` carries (`orderSeqsOfConnection`), and a sparse ping
 * is not counted against the frame limit either (`admitHeartbeat`, in the frame pipeline): the
 * heartbeat of ordinary use writes nothing.
 */
import type { ConnectionsApi } from "../connections-api";
import { orderSeqsOfConnection } from "../subscription";
import { type Act, type FrameContext, type FrameOutcome, handleFrame } from "./frame";
import { echoId } from "./reply";

export const ping: Act<"ping"> = async (frame, ctx) => [
  { type: "pong", ...echoId(frame), seqs: await orderSeqsOfConnection(ctx.connectionId) },
];

export function handlePing(ctx: FrameContext, connections: ConnectionsApi): Promise<FrameOutcome> {
  return handleFrame("ping", ping, ctx, connections);
}
