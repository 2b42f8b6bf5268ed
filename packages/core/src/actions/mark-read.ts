/**
 * `markRead {orderId, seq}` (SPEC §4): stores the caller's side's read position (never moving
 * back, read-position.ts) and, when it moved, tells the order's subscribers
 * `{type:"read", orderId, role, seq}` — the other side shows "Seen", the reader's other devices
 * clear their unread badge — and the reader's own feed (staff: `orders`, the board's cards; a
 * customer: `customer:{id}`, "My orders"). No reply.
 */
import type { ConnectionsApi } from "../connections-api";
import { fanOut } from "../fanout";
import { allOrdersTopic, customerTopic, orderTopic } from "../keys";
import type { ServerFrame } from "../protocol";
import * as ReadPosition from "../read-position";
import { type FrameOf, markReadFrame } from "../validation-frames";
import { type ActionContext, type FrameContext, type FrameOutcome, handleFrame } from "./frame";

export async function markRead(
  frame: FrameOf<"markRead">,
  ctx: ActionContext,
  connections: ConnectionsApi,
): Promise<[]> {
  const result = await ReadPosition.markRead(ctx.identity, frame.orderId, frame.seq);
  if (result.seq === undefined) return [];
  const read: ServerFrame = { type: "read", orderId: result.orderId, role: result.role, seq: result.seq };
  const feed = result.role === "staff" ? allOrdersTopic : customerTopic(result.customerId);
  await Promise.all([orderTopic(result.orderId), feed].map((topic) => fanOut(connections, topic, read)));
  return [];
}

export function handleMarkRead(ctx: FrameContext, connections: ConnectionsApi): Promise<FrameOutcome> {
  return handleFrame(
    markReadFrame,
    (frame, actionContext) => markRead(frame, actionContext, connections),
    ctx,
    connections,
  );
}
