/**
 * Limits per user, not per connection (SPEC §4, §7): one user's flood is refused with
 * RATE_LIMITED (REST 429) however many connections it comes from, and nobody else notices.
 *
 * Fixed windows counted in DynamoDB, one item per user and window (keys.ts, `rateWindow`), so
 * every Lambda instance agrees: the count is never an instance's own. Counting is one
 * conditional UpdateItem that creates the window's item when it is the window's first event
 * (no read, no "new window" branch): `ADD n :1` if `n < max`; a refused event is that same write
 * failing its condition. The item expires (TTL) a minute after its window.
 *
 * A refusal is remembered by the instance until its window ends (`refusedUntil`): a full window
 * stays full, so refusing from memory is always right, and a flood then costs no DynamoDB
 * request at all — it cannot slow the table down for anyone else. (What an instance remembers
 * only ever refuses; admitting always takes the shared count.)
 *
 * What a frame costs in writes:
 *  - any admitted frame (subscribe, unsubscribe, ping, sendMessage, `$default`, an invalid one):
 *    1 write, the window item; a chat send counts its per-order message (a counter per order
 *    and chat window, in the frame window's item) in that same write;
 *  - a refused frame: the failed conditional write (billed as a write) the first time an
 *    instance meets the full window — 2 for a chat send refused for its order but within the
 *    frame budget, which still counts as a frame — and nothing afterwards in that window.
 *  - a heartbeat (`admitHeartbeat`): nothing while it is sparse, i.e. the first `ping` of its
 *    connection that this instance sees in `heartbeatSparseSeconds` (the web client pings every
 *    4 minutes, so that is every heartbeat of ordinary use); refused from `refusedUntil` like any
 *    frame; counted through `admitFrame` (1 write) from the second ping in that time on.
 *    A flood of pings is therefore counted from its second ping in each instance: per window it
 *    gets the frame budget plus at most one uncounted ping per execution environment that
 *    serves the connection — never more than the environments, and none once the user's window
 *    is full and the instance has seen the refusal.
 */

import { type AttributeMap, unmarshall } from "./attribute-values";
import { type LimitSetting, limits } from "./config";
import { dynamo, table, UpdateCommand } from "./dynamo";
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
  const item = (error as { Item?: AttributeMap }).Item;
  return item === undefined ? {} : unmarshall(item);
}

/**
 * Refusals this instance has seen, by what was refused (user and limit), until their window
 * ends. Bounded: past `maxRemembered` the ended ones are dropped, then the oldest.
 */
const refusedUntil = new Map<string, { untilMs: number; error: RateLimitedError }>();
const maxRemembered = 10_000;

function rememberedRefusal(key: string, nowMs: number): RateLimitedError | undefined {
  const remembered = refusedUntil.get(key);
  if (remembered === undefined) return undefined;
  if (nowMs < remembered.untilMs) return remembered.error;
  refusedUntil.delete(key);
  return undefined;
}

function remember(key: string, untilMs: number, error: RateLimitedError, nowMs: number): RateLimitedError {
  if (refusedUntil.size >= maxRemembered) {
    for (const [k, v] of refusedUntil) if (v.untilMs <= nowMs) refusedUntil.delete(k);
    if (refusedUntil.size >= maxRemembered) refusedUntil.delete(refusedUntil.keys().next().value as string);
  }
  refusedUntil.set(key, { untilMs, error });
  return error;
}

const windowEndMs = (setting: LimitSetting, nowMs: number) =>
  (windowOf(setting, nowMs).number + 1) * setting.windowSeconds * 1000;

/**
 * One conditional increment of `counters` on a window item; returns the item as it was when
 * refused. Unlimited counters (`max` Infinity, config.ts) are not counted; none left: no write.
 */
async function increment(
  key: { pk: string; sk: string },
  allCounters: { attribute: string; max: number }[],
  expiresAt: number,
): Promise<Record<string, unknown> | undefined> {
  const counters = allCounters.filter((counter) => Number.isFinite(counter.max));
  if (counters.length === 0) return undefined;
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
  const memory = `${userId}\u0000${limit}`;
  const known = rememberedRefusal(memory, nowMs);
  if (known !== undefined) throw known;
  const window = windowOf(setting, nowMs);
  const refused = await increment(
    rateWindowKey(userId, limit, window.number),
    [{ attribute: "n", max: setting.max }],
    window.expiresAt,
  );
  if (refused !== undefined) throw remember(memory, windowEndMs(setting, nowMs), refusal(what[limit], setting), nowMs);
}

/**
 * Counts one WebSocket frame of the user, and for a chat send one message on `chatOrderId`, in
 * one write; RATE_LIMITED when either is over. Call it for every frame, before validating it:
 * invalid frames count too.
 */
export async function admitFrame(userId: string, chatOrderId?: string, nowMs = Date.now()): Promise<void> {
  const { frames, chatPerOrder } = limits();
  if (frames.windowSeconds % chatPerOrder.windowSeconds !== 0) {
    throw new Error("the chat window must divide the frame window: both are counted in the frame window's item");
  }
  const framesMemory = `${userId}\u0000frames`;
  const chatMemory = `${userId}\u0000chat\u0000${chatOrderId}`;
  const known =
    rememberedRefusal(framesMemory, nowMs) ??
    (chatOrderId === undefined ? undefined : rememberedRefusal(chatMemory, nowMs));
  if (known !== undefined) throw known;
  const window = windowOf(frames, nowMs);
  const key = rateWindowKey(userId, "frames", window.number);
  const frameCounter = { attribute: "frames", max: frames.max };
  const chatWindow = windowOf(chatPerOrder, nowMs).number;
  const chatCounter =
    chatOrderId === undefined ? undefined : { attribute: `chat#${chatOrderId}#${chatWindow}`, max: chatPerOrder.max };
  const refused = await increment(key, chatCounter ? [frameCounter, chatCounter] : [frameCounter], window.expiresAt);
  if (refused === undefined) return;
  const framesFull = () => remember(framesMemory, windowEndMs(frames, nowMs), refusal("frames", frames), nowMs);
  if (chatCounter === undefined || Number(refused.frames ?? 0) >= frames.max) throw framesFull();
  // Only the order's message budget was spent: the frame still counts against the frame budget.
  if ((await increment(key, [frameCounter], window.expiresAt)) !== undefined) throw framesFull();
  throw remember(chatMemory, windowEndMs(chatPerOrder, nowMs), refusal("messages on this order", chatPerOrder), nowMs);
}

/**
 * A `ping` a connection sends at most this often is not counted: clients ping every few minutes
 * (API Gateway closes a connection idle for 10), so the heartbeat of ordinary use writes nothing.
 */
export const heartbeatSparseSeconds = 60;

/** The last heartbeat this instance admitted per connection, bounded like `refusedUntil`. */
const lastHeartbeat = new Map<string, number>();

/**
 * Admits one `ping` of the user on `connectionId`: without a write while it is sparse (see the
 * module comment), else as any frame (`admitFrame`); RATE_LIMITED while the instance remembers
 * the user's full frame window.
 */
export async function admitHeartbeat(userId: string, connectionId: string, nowMs = Date.now()): Promise<void> {
  const known = rememberedRefusal(`${userId}\u0000frames`, nowMs);
  if (known !== undefined) throw known;
  const previous = lastHeartbeat.get(connectionId);
  lastHeartbeat.delete(connectionId);
  lastHeartbeat.set(connectionId, nowMs);
  if (lastHeartbeat.size > maxRemembered) lastHeartbeat.delete(lastHeartbeat.keys().next().value as string);
  if (previous === undefined || nowMs - previous >= heartbeatSparseSeconds * 1000) return;
  await admitFrame(userId, undefined, nowMs);
}
