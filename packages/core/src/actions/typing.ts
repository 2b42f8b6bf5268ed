/**
 * `typing {orderId}` → the order's other subscribers get `{type:"typing", orderId, from}`
 * (SPEC §4). Never stored, no seq, no reply. At most one per second per sender and order: the
 * client sends no more (packages/web chat), and this instance drops what comes sooner (a
 * typing indicator lasts seconds, so a dropped one is never missed).
 */
import { assertCanSeeOrder, senderOf } from "../authz";
import type { ConnectionsApi } from "../connections-api";
import { fanOut } from "../fanout";
import { orderTopic } from "../keys";
import { readOrder } from "../order";
import { typingIntervalMs } from "../protocol";
import { subscribersOfTopic } from "../subscription";
import { type FrameOf, typingFrame } from "../validation-frames";
import { type ActionContext, type FrameContext, type FrameOutcome, handleFrame } from "./frame";

const lastTypingAt = new Map<string, number>();
const maxRemembered = 10_000;
/** Network jitter may bring two frames sent a second apart a little closer. */
const minGapMs = typingIntervalMs * 0.8;

/** True when this sender's previous typing frame on the order came too recently. */
export function tooSoon(userId: string, orderId: string, nowMs = Date.now()): boolean {
  const key = `${userId}\u0000${orderId}`;
  const last = lastTypingAt.get(key);
  if (last !== undefined && nowMs - last < minGapMs) return true;
  if (lastTypingAt.size >= maxRemembered) lastTypingAt.clear();
  lastTypingAt.set(key, nowMs);
  return false;
}

export async function typing(frame: FrameOf<"typing">, ctx: ActionContext, connections: ConnectionsApi): Promise<[]> {
  const { identity } = ctx;
  // Refused (NOT_FOUND) for an order the sender may not see, before any throttling state.
  assertCanSeeOrder(identity, await readOrder(frame.orderId));
  if (tooSoon(identity.userId, frame.orderId)) return [];
  const topic = orderTopic(frame.orderId);
  await fanOut(
    connections,
    topic,
    {
      type: "typing",
      orderId: frame.orderId,
      from: senderOf(identity),
    },
    {
      subscribers: async function* (t) {
        for await (const page of subscribersOfTopic(t)) {
          const others = page.filter((id) => id !== ctx.connectionId);
          if (others.length > 0) yield others;
        }
      },
    },
  );
  return [];
}

export function handleTyping(ctx: FrameContext, connections: ConnectionsApi): Promise<FrameOutcome> {
  return handleFrame(
    typingFrame,
    (frame, actionContext) => typing(frame, actionContext, connections),
    ctx,
    connections,
  );
}
