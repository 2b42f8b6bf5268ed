/**
 * `ping` → `pong {seqs}` (SPEC §4): the heartbeat that keeps API Gateway's 10-minute idle limit
 * away, carrying the current seq of every `order:` topic the connection holds, so a client that
 * missed an order's last event (a push the fan-out gave up on) learns of it within one heartbeat
 * and fills the gap. A sparse ping is not counted against the frame limit (`admitHeartbeat`, in
 * the frame pipeline), and a customer's ping reads only (`orderSeqsOfConnection`, and staff
 * presence when it watches an order): the customer's heartbeat of ordinary use writes nothing. A
 * staff ping refreshes its connection's heartbeat item at most once per
 * `presenceSettings().refreshMs` (presence.ts says why that write, and no per-ping one).
 */
import type { ConnectionsApi } from "../connections-api";
import { recordStaffHeartbeat, staffPresence } from "../presence";
import type { ServerFrame } from "../protocol";
import { orderSeqsOfConnection } from "../subscription";
import { pingFrame } from "../validation-frames";
import { type Act, type FrameContext, type FrameOutcome, handleFrame } from "./frame";
import { echoId } from "./reply";

export const ping: Act<"ping"> = async (frame, ctx) => {
  const staff = ctx.identity.role === "staff";
  const [seqs] = await Promise.all([
    orderSeqsOfConnection(ctx.connectionId),
    staff ? recordStaffHeartbeat(ctx.connectionId, ctx.connectedAt) : undefined,
  ]);
  const pong: ServerFrame = { type: "pong", ...echoId(frame), seqs };
  // A customer watching an order learns staff presence each heartbeat too: what ends the
  // online state of a staff browser that died without `$disconnect`.
  if (staff || Object.keys(seqs).length === 0) return [pong];
  return [pong, { type: "presence", ...(await staffPresence()) }];
};

export function handlePing(ctx: FrameContext, connections: ConnectionsApi): Promise<FrameOutcome> {
  return handleFrame(pingFrame, ping, ctx, connections);
}
