/**
 * The WebSocket frames (SPEC §4), one validator per route: an action module imports only its
 * own (`pingFrame`…), so a route bundles only its frame's checks, and `$default` none.
 * validation.ts says which refusal gets which code.
 */
import * as v from "valibot";
import { BadRequestError, PayloadTooLargeError, UnknownActionError } from "./errors";
import { type ClientAction, type ClientFrame, maxChatTextLength, type Topic } from "./protocol";
import { characterCount, normalizeText, textRefusal } from "./text";
import { decodeFrame, isPlainObject } from "./validation-json";
import { int, maxChars, maxSeqValue, obj, orderIdSchema, parseWith, type Schema, str } from "./validation-schema";

export type FrameOf<A extends ClientAction> = Extract<ClientFrame, { action: A }>;

/**
 * Step 2 of reading a WebSocket message (after `decodeFrame`): check the decoded message against
 * the route it was delivered to. API Gateway selected the route from `action`, so a mismatch
 * means a caller invoked the handler directly; it is still answered, not trusted.
 */
export interface FrameValidator<A extends ClientAction> {
  readonly action: A;
  validate(value: unknown): FrameOf<A>;
}

/**
 * A route's validator. Its schema is built at the first frame it checks, not at import: nothing
 * at init, and a bundle holds only the schemas its routes read (esbuild drops an unread
 * validator whole; a schema built at the top of this module would stay in every bundle).
 */
/* @__NO_SIDE_EFFECTS__ */
function frameValidator<A extends ClientAction>(
  action: A,
  schemaOf: () => Schema<unknown>,
  refine: (frame: FrameOf<A>) => FrameOf<A> = (frame) => frame,
): FrameValidator<A> {
  let schema: Schema<unknown> | undefined;
  return {
    action,
    validate(value) {
      if (!isPlainObject(value)) throw new BadRequestError("a frame must be a JSON object");
      if (value.action !== action) throw unknownActionError(value.action);
      schema ??= schemaOf();
      return refine(parseWith(schema, value, `${action} frame`) as FrameOf<A>);
    },
  };
}

function unknownActionError(action: unknown): Error {
  if (action === undefined) return new BadRequestError('a frame needs an "action"');
  if (typeof action !== "string") return new BadRequestError('"action" must be a string');
  return new UnknownActionError(`unknown action "${action.slice(0, 64)}"`);
}

const seqSchema = () => int(0, maxSeqValue);

const topicSchema = () =>
  v.pipe(
    v.string("Invalid input"),
    v.regex(
      /^(?:orders|order:[A-Za-z0-9_-]{1,64}|customer:[A-Za-z0-9_-]{1,128})$/,
      'must be "orders", "order:{orderId}" or "customer:{customerId}"',
    ),
  ) as Schema<Topic>;

const frameIdSchema = () => v.optional(str(maxChars(128)));
const clientMessageIdSchema = () =>
  str(v.regex(/^[A-Za-z0-9_.:-]{1,128}$/, "must be 1-128 letters, digits or _ . : -"));

export const subscribeFrame = frameValidator("subscribe", () =>
  obj({ action: v.literal("subscribe"), id: frameIdSchema(), topic: topicSchema(), since: v.optional(seqSchema()) }),
);

export const unsubscribeFrame = frameValidator("unsubscribe", () =>
  obj({ action: v.literal("unsubscribe"), id: frameIdSchema(), topic: topicSchema() }),
);

export const sendMessageFrame = frameValidator(
  "sendMessage",
  () =>
    obj({
      action: v.literal("sendMessage"),
      id: frameIdSchema(),
      orderId: orderIdSchema(),
      // Length is checked after the types, so an over-long text reports PAYLOAD_TOO_LARGE.
      text: str(),
      clientMessageId: clientMessageIdSchema(),
    }),
  (frame) => {
    const refusal = textRefusal(frame.text);
    if (refusal !== undefined) throw new BadRequestError(`invalid sendMessage frame: text: ${refusal}`);
    frame.text = normalizeText(frame.text);
    const length = characterCount(frame.text);
    if (length > maxChatTextLength) {
      throw new PayloadTooLargeError(`text is ${length} characters; the limit is ${maxChatTextLength}`);
    }
    return frame;
  },
);

export const pingFrame = frameValidator("ping", () => obj({ action: v.literal("ping"), id: frameIdSchema() }));

export const typingFrame = frameValidator("typing", () =>
  obj({ action: v.literal("typing"), id: frameIdSchema(), orderId: orderIdSchema() }),
);

export const markReadFrame = frameValidator("markRead", () =>
  obj({ action: v.literal("markRead"), id: frameIdSchema(), orderId: orderIdSchema(), seq: int(1, maxSeqValue + 1) }),
);

const frameValidators = {
  subscribe: subscribeFrame,
  unsubscribe: unsubscribeFrame,
  sendMessage: sendMessageFrame,
  ping: pingFrame,
  typing: typingFrame,
  markRead: markReadFrame,
} satisfies { [A in ClientAction]: FrameValidator<A> };

/** Any route's frame by the route's name (the tests'; a route imports its own validator). */
export function validateFrame<A extends ClientAction>(value: unknown, expected: A): FrameOf<A> {
  return (frameValidators[expected] as unknown as FrameValidator<A>).validate(value);
}

/**
 * What `$default` answers: API Gateway sends there every message whose `action` matches no
 * route, and every message that is not JSON at all. Always an error.
 */
export function defaultRouteError(raw: string | undefined | null): { error: Error; frameId: string | undefined } {
  let decoded: ReturnType<typeof decodeFrame>;
  try {
    decoded = decodeFrame(raw);
  } catch (error) {
    return { error: error as Error, frameId: undefined };
  }
  const { value, frameId } = decoded;
  if (decoded.rejection !== undefined) return { error: decoded.rejection, frameId };
  if (!isPlainObject(value)) return { error: new BadRequestError("a frame must be a JSON object"), frameId };
  return { error: unknownActionError(value.action), frameId };
}
