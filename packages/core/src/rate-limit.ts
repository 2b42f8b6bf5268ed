/**
 * Limits per user, not per connection (SPEC §4, §7): one user's flood is refused with
 * RATE_LIMITED (REST 429) however many connections it comes from, and nobody else notices.
 *
 * Fixed windows counted in DynamoDB, one item per user and window (keys.ts, `rateWindow`), so
 * every Lambda instance agrees and no instance memory is trusted. Counting is one conditional
 * UpdateItem that creates the window's item when it is the window's first event (no read, no
 * "new window" branch): `ADD n :1` if `n < max`; a refused event is that same write failing its
 * condition. The item expires (TTL) a minute after its window, so nothing accumulates.
 *
 * What a frame costs in writes:
 *  - any frame (subscribe, unsubscribe, ping, sendMessage, `$default`, an invalid one): 1 write,
 *    the window item; a chat send counts its per-order message in that same write;
 *  - a refused frame: the 1 failed conditional write (billed as a write); a chat send refused
 *    for its order but within the frame budget: 2 (the frame is still counted).
 * A frame that must write nothing (issue 15's heartbeat) is admitted without counting while
 * sparse: `admitFrame` is the only door and stays one write; a free path would read the window
 * item (`frames` ≥ max → refuse) and count only past an allowance, never write per heartbeat.
 */
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { type LimitSetting, limits } from "./config";
import { dynamo, table } from "./dynamo";
import { isErrorNamed, RateLimitedError } from "./errors";
import { rateWindowKey } from "./keys";

/** The limits counted with `admit` (frames and chat messages go through `admitFrame`). */
export const Limit = {
  orderPlacements: "orderPlacements",
  tickets: "tickets",
} as const;
export type Limit = (typeof Limit)[keyof typeof Limit];

const what: Record<Limit, string> = {
  orderPlacements: "orders placed",
  tickets: "connection tickets",
};

/** Windows are numbered from the epoch, so every instance agrees on which one `nowMs` is in. */
function windowOf(setting: LimitSetting, nowMs: number): { number: number; expiresAt: number } {
  const number = Math.floor(nowMs / 1000 / setting.windowSeconds);
  return { number, expiresAt: (number + 1) * setting.windowSeconds + 60 };
}

function refusal(count: string, setting: LimitSetting): RateLimitedError {
  return new RateLimitedError(`too many ${count}: at most ${setting.max} in ${setting.windowSeconds} s; wait a moment`);
}

/** The item's attributes when a counting write failed its condition (ReturnValuesOnConditionCheckFailure). */
function itemOfFailure(error: unknown): Record<string, unknown> {
  const item = (error as { Item?: Parameters<typeof unmarshall>[0] }).Item;
  return item === undefined ? {} : unmarshall(item);
}

/** One conditional increment of `counters` on a window item; returns the item as it was when refused. */
async function increment(
  key: { pk: string; sk: string },
  counters: { attribute: string; max: number }[],
  expiresAt: number,
): Promise<Record<string, unknown> | undefined> {
  const names = Object.fromEntries(counters.map((counter, i) => [`#c${i}`, counter.attribute]));
  const values: Record<string, unknown> = { ":one": 1, ":expiresAt": expiresAt, ":entity": "rateWindow" };
  for (const [i, counter] of counters.entries()) values[`:max${i}`] = counter.max;
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: table(),
        Key: key,
        UpdateExpression: `ADD ${counters.map((_, i) => `#c${i} :one`).join(", ")} SET expiresAt = if_not_exists(expiresAt, :expiresAt), entity = :entity`,
        ConditionExpression: counters
          .map((_, i) => `(attribute_not_exists(#c${i}) OR #c${i} < :max${i})`)
          .join(" AND "),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
    );
    return undefined;
  } catch (error) {
    if (!isErrorNamed(error, "ConditionalCheckFailedException")) throw error;
    return itemOfFailure(error);
  }
}

/** Counts one `limit` event of the user; RATE_LIMITED past the window's maximum. */
export async function admit(userId: string, limit: Limit, nowMs = Date.now()): Promise<void> {
  const setting = limits()[limit];
  const window = windowOf(setting, nowMs);
  const refused = await increment(
    rateWindowKey(userId, limit, window.number),
    [{ attribute: "n", max: setting.max }],
    window.expiresAt,
  );
  if (refused !== undefined) throw refusal(what[limit], setting);
}

/**
 * Counts one WebSocket frame of the user, and for a chat send one message on `chatOrderId`, in
 * one write; RATE_LIMITED when either is over. Call it for every frame, before validating it:
 * invalid frames count too.
 */
export async function admitFrame(userId: string, chatOrderId?: string, nowMs = Date.now()): Promise<void> {
  const { frames, chatPerOrder } = limits();
  const window = windowOf(frames, nowMs);
  const key = rateWindowKey(userId, "frames", window.number);
  const frameCounter = { attribute: "frames", max: frames.max };
  const chatCounter =
    chatOrderId === undefined ? undefined : { attribute: `chat#${chatOrderId}`, max: chatPerOrder.max };
  const refused = await increment(key, chatCounter ? [frameCounter, chatCounter] : [frameCounter], window.expiresAt);
  if (refused === undefined) return;
  if (chatCounter === undefined || Number(refused.frames ?? 0) >= frames.max) throw refusal("frames", frames);
  // Only the order's message budget was spent: the frame still counts against the frame budget.
  const framesRefused = await increment(key, [frameCounter], window.expiresAt);
  if (framesRefused !== undefined) throw refusal("frames", frames);
  throw refusal("messages on this order", chatPerOrder);
}
