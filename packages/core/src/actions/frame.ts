/**
 * What a WebSocket connection can do, frame by frame (SPEC §4). The `ws/*` handlers are thin
 * adapters around these functions.
 *
 * Every frame goes: decode (size, JSON, `__proto__`) → validate for its route → rate limit →
 * act → reply on the connection. A refusal at any step is a structured error frame
 * `{type:"error", code, message, id}` on that connection; validation failures write nothing.
 */
import * as Chat from "./chat";
import * as Connection from "./connection";
import { asAppError, ForbiddenError, toErrorFrame, type AppError } from "./errors";
import type { Identity } from "./authz";
import type { ServerFrame } from "./protocol";
import { reply } from "./realtime";
import * as Subscription from "./subscription";
import { ClientAction, decodeFrame, defaultRouteError, validateFrame, type FrameOf } from "./validation";

export interface FrameContext {
  connectionId: string;
  connectedAt: number;
  /** From the authorizer context; undefined only if API Gateway passed none (refused). */
  identity: Identity | undefined;
  body: string | undefined | null;
}

export interface FrameOutcome {
  action: ClientAction | "$default";
  /** The error replied with, when the frame was refused. `code` INTERNAL means a bug or an outage. */
  error?: AppError;
  /** True when the reply could not be delivered because the connection had gone. */
  gone?: boolean;
}

type Handlers = { [A in ClientAction]: (frame: FrameOf<A>, ctx: Required<Omit<FrameContext, "body">> & { identity: Identity }) => Promise<ServerFrame[]> };

/** The reply echoes the frame's `id` when it had one (and has no `id` key otherwise). */
const echoId = (frame: { id?: string }) => (frame.id === undefined ? {} : { id: frame.id });

const handlers: Handlers = {
  async subscribe(frame, ctx) {
    const result = await Subscription.subscribe(ctx, { topic: frame.topic, ...(frame.since === undefined ? {} : { since: frame.since }) });
    return [
      { type: "subscribed", ...echoId(frame), topic: result.topic, seq: result.seq },
      ...result.events.map((event): ServerFrame => ({ type: "event", topic: result.topic, seq: event.seq, event })),
    ];
  },
  async unsubscribe(frame, ctx) {
    await Subscription.remove(ctx.connectionId, frame.topic);
    return [{ type: "unsubscribed", ...echoId(frame), topic: frame.topic }];
  },
  async sendMessage(frame, ctx) {
    const result = await Chat.sendMessage(ctx.identity, {
      orderId: frame.orderId,
      text: frame.text,
      clientMessageId: frame.clientMessageId,
    });
    return [
      {
        type: "ack",
        ...echoId(frame),
        orderId: frame.orderId,
        clientMessageId: frame.clientMessageId,
        seq: result.seq,
      },
    ];
  },
  async ping(frame) {
    return [{ type: "pong", ...echoId(frame) }];
  },
};

/** Handle one frame delivered to the route `action`. Never throws for a bad frame. */
export async function handleFrame(action: ClientAction, ctx: FrameContext): Promise<FrameOutcome> {
  let frameId: string | undefined;
  try {
    const decoded = decodeFrame(ctx.body);
    frameId = decoded.frameId;
    if (decoded.rejection !== undefined) throw decoded.rejection;
    const frame = validateFrame(decoded.value, action);
    const identity = ctx.identity;
    if (identity === undefined) throw new ForbiddenError("connection has no identity");
    await Connection.consumeFrame(ctx.connectionId, ctx.connectedAt);
    const frames = await (handlers[action] as (f: typeof frame, c: unknown) => Promise<ServerFrame[]>)(frame, {
      connectionId: ctx.connectionId,
      connectedAt: ctx.connectedAt,
      identity,
    });
    const delivered = await reply(ctx.connectionId, frames);
    return { action, ...(delivered ? {} : { gone: true }) };
  } catch (error) {
    return replyWithError(action, ctx.connectionId, error, frameId);
  }
}

/** `$default`: every frame that is not JSON or names no route. Always an error reply, nothing written. */
export async function handleDefault(ctx: Pick<FrameContext, "connectionId" | "body">): Promise<FrameOutcome> {
  const { error, frameId } = defaultRouteError(ctx.body);
  return replyWithError("$default", ctx.connectionId, error, frameId);
}

async function replyWithError(
  action: FrameOutcome["action"],
  connectionId: string,
  error: unknown,
  frameId: string | undefined,
): Promise<FrameOutcome> {
  const appError = asAppError(error);
  const delivered = await reply(connectionId, [toErrorFrame(appError, frameId)]);
  return { action, error: appError, ...(delivered ? {} : { gone: true }) };
}
