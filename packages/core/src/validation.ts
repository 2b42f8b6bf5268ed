/**
 * Input validation for both APIs, producing the error codes of SPEC §4/§5:
 *  - not JSON, not an object, wrong types, `__proto__` keys      → BAD_REQUEST (with what was wrong)
 *  - a frame whose action is not a route                          → UNKNOWN_ACTION
 *  - chat text over the limit, a body over the size limit         → PAYLOAD_TOO_LARGE
 * Nothing here touches storage: a rejected input is never written anywhere.
 */
import { z } from "zod";
import { BadRequestError, PayloadTooLargeError, UnknownActionError } from "./errors";
import { maxChatTextLength, OrderStatus, type ClientFrame, type Topic } from "./protocol";

/** Largest JSON body we parse. API Gateway allows 128 KB WebSocket messages; no valid frame or REST body is near this. */
export const maxBodyBytes = 32 * 1024;

const forbiddenKeys = new Set(["__proto__"]);

/**
 * JSON.parse, refusing `__proto__` keys anywhere. JSON.parse itself creates them as own
 * properties (harmless), but any later spread or merge would turn one into a prototype write;
 * the spec asks for them to be rejected outright.
 */
export function parseJson(raw: string | undefined | null): unknown {
  const { value, forbidden } = parseJsonReportingKeys(raw);
  if (forbidden !== undefined) throw forbiddenKeyError(forbidden);
  return value;
}

function forbiddenKeyError(key: string): BadRequestError {
  return new BadRequestError(`key "${key}" is not allowed`);
}

/** JSON.parse plus the first forbidden key seen (so a caller can still read e.g. the frame id). */
function parseJsonReportingKeys(raw: string | undefined | null): { value: unknown; forbidden: string | undefined } {
  if (raw === undefined || raw === null || raw.length === 0) throw new BadRequestError("body is empty");
  if (Buffer.byteLength(raw, "utf8") > maxBodyBytes) {
    throw new PayloadTooLargeError(`body is larger than ${maxBodyBytes} bytes`);
  }
  let forbidden: string | undefined;
  try {
    const value: unknown = JSON.parse(raw, function (key, nested) {
      if (forbidden === undefined && forbiddenKeys.has(key)) forbidden = key;
      return nested;
    });
    return { value, forbidden };
  } catch {
    throw new BadRequestError("body is not valid JSON");
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** zod issues → BAD_REQUEST naming each wrong field. */
function badRequestFrom(error: z.ZodError, what: string): BadRequestError {
  const details = error.issues.map((issue) => ({
    path: issue.path.map(String).join(".") || "(root)",
    message: issue.message,
  }));
  const summary = details.map((d) => `${d.path}: ${d.message}`).join("; ");
  return new BadRequestError(`invalid ${what}: ${summary}`, details);
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw badRequestFrom(result.error, what);
  return result.data;
}

// ---------------------------------------------------------------- shared pieces

const idPattern = /^[A-Za-z0-9_-]{1,64}$/;
export const orderIdSchema = z.string().regex(idPattern, "must be 1-64 letters, digits, _ or -");
/** `since` asks for events after it, so it stops one short of the largest seq a key can hold. */
const maxSeqValue = 9_999_999_998;
const seqSchema = z.number().int().min(0).max(maxSeqValue);

export const topicSchema = z.union([
  z.literal("orders"),
  z.string().regex(/^order:[A-Za-z0-9_-]{1,64}$/, 'must be "orders" or "order:{orderId}"'),
]) as z.ZodType<Topic>;

const frameIdSchema = z.string().max(128).optional();
const clientMessageIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,128}$/, "must be 1-128 letters, digits or _ . : -");

// ---------------------------------------------------------------- WebSocket frames

export const ClientAction = {
  Subscribe: "subscribe",
  Unsubscribe: "unsubscribe",
  SendMessage: "sendMessage",
  Ping: "ping",
} as const;
export type ClientAction = (typeof ClientAction)[keyof typeof ClientAction];

const frameSchemas = {
  subscribe: z.object({
    action: z.literal("subscribe"),
    id: frameIdSchema,
    topic: topicSchema,
    since: seqSchema.optional(),
  }),
  unsubscribe: z.object({ action: z.literal("unsubscribe"), id: frameIdSchema, topic: topicSchema }),
  sendMessage: z.object({
    action: z.literal("sendMessage"),
    id: frameIdSchema,
    orderId: orderIdSchema,
    // Length is checked after the types, so an over-long text reports PAYLOAD_TOO_LARGE.
    text: z.string(),
    clientMessageId: clientMessageIdSchema,
  }),
  ping: z.object({ action: z.literal("ping"), id: frameIdSchema }),
} satisfies Record<ClientAction, z.ZodType>;

export type FrameOf<A extends ClientAction> = Extract<ClientFrame, { action: A }>;

/** The `id` to echo in an error reply, when the frame had a usable one. */
export function frameIdOf(value: unknown): string | undefined {
  if (!isPlainObject(value)) return undefined;
  const id = value.id;
  return typeof id === "string" && id.length <= 128 ? id : undefined;
}

/** Code points, so an emoji counts as one character as a person would count it. */
function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

/**
 * A message parsed as JSON: the value, the `id` an error reply should echo, and the refusal of a
 * frame that parsed but must not be used (a `__proto__` key) — kept apart so that refusal can
 * still echo the id.
 */
export interface DecodedFrame {
  value: unknown;
  frameId: string | undefined;
  rejection?: BadRequestError;
}

/** Step 1 of reading a WebSocket message: size, JSON. Throws (no id to echo) when unreadable. */
export function decodeFrame(raw: string | undefined | null): DecodedFrame {
  const { value, forbidden } = parseJsonReportingKeys(raw);
  const frameId = frameIdOf(value);
  return forbidden === undefined ? { value, frameId } : { value, frameId, rejection: forbiddenKeyError(forbidden) };
}

/**
 * Step 2: check a decoded message against the route it was delivered to (`expected`, the
 * route key). API Gateway selected the route from `action`, so a mismatch means a caller
 * invoked the handler directly; it is still answered, not trusted.
 */
export function validateFrame<A extends ClientAction>(value: unknown, expected: A): FrameOf<A> {
  if (!isPlainObject(value)) throw new BadRequestError("a frame must be a JSON object");
  if (value.action !== expected) throw unknownActionError(value.action);
  const result = frameSchemas[expected].safeParse(value);
  if (!result.success) throw badRequestFrom(result.error, `${expected} frame`);
  const frame = result.data as ClientFrame;
  if (frame.action === "sendMessage") {
    if (frame.text.trim().length === 0) throw new BadRequestError("invalid sendMessage frame: text: must not be empty");
    const length = characterCount(frame.text);
    if (length > maxChatTextLength) {
      throw new PayloadTooLargeError(`text is ${length} characters; the limit is ${maxChatTextLength}`);
    }
  }
  return frame as FrameOf<A>;
}

function unknownActionError(action: unknown): Error {
  if (action === undefined) return new BadRequestError('a frame needs an "action"');
  if (typeof action !== "string") return new BadRequestError('"action" must be a string');
  return new UnknownActionError(`unknown action "${action.slice(0, 64)}"`);
}

/**
 * What `$default` answers: API Gateway sends there every message whose `action` matches no
 * route, and every message that is not JSON at all. Always an error.
 */
export function defaultRouteError(raw: string | undefined | null): { error: Error; frameId: string | undefined } {
  let decoded: DecodedFrame;
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

// ---------------------------------------------------------------- REST

export const orderItemSchema = z.object({
  sku: z.string().trim().min(1).max(64),
  name: z.string().trim().min(1).max(200),
  quantity: z.number().int().min(1).max(999),
  unitPriceCents: z.number().int().min(0).max(10_000_000),
});

export const createOrderSchema = z.object({
  items: z.array(orderItemSchema).min(1).max(50),
  note: z.string().max(500).optional(),
});
export type CreateOrderInput = z.infer<typeof createOrderSchema>;

const statusSchema = z.enum(Object.values(OrderStatus) as [OrderStatus, ...OrderStatus[]]);

export const updateStatusSchema = z.object({
  status: statusSchema,
  version: z.number().int().min(1),
});
export type UpdateStatusInput = z.infer<typeof updateStatusSchema>;

export const cancelSchema = z.object({ version: z.number().int().min(1).optional() });
export type CancelInput = z.infer<typeof cancelSchema>;

/** Query strings arrive as strings; numbers are parsed strictly (no "1e3", no "12abc"). */
const intString = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,10}$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

export const listOrdersSchema = z.object({
  status: statusSchema.optional(),
  cursor: z.string().max(2048).optional(),
  limit: intString(1, 100).optional(),
});
export type ListOrdersInput = z.infer<typeof listOrdersSchema>;

export const eventsQuerySchema = z.object({ since: intString(0, maxSeqValue).optional() });

export function parseCreateOrder(raw: string | undefined | null): CreateOrderInput {
  return parseWith(createOrderSchema, parseJson(raw), "order");
}

export function parseUpdateStatus(raw: string | undefined | null): UpdateStatusInput {
  return parseWith(updateStatusSchema, parseJson(raw), "status change");
}

/** Cancel takes an optional body; an empty one means "whatever the current version is". */
export function parseCancel(raw: string | undefined | null): CancelInput {
  if (raw === undefined || raw === null || raw.trim().length === 0) return {};
  return parseWith(cancelSchema, parseJson(raw), "cancel request");
}

export function parseListOrders(query: Record<string, string | undefined> | undefined | null): ListOrdersInput {
  return parseWith(listOrdersSchema, query ?? {}, "query");
}

export function parseEventsQuery(query: Record<string, string | undefined> | undefined | null): { since: number } {
  const parsed = parseWith(eventsQuerySchema, query ?? {}, "query");
  return { since: parsed.since ?? 0 };
}

export function parseOrderId(value: string | undefined): string {
  return parseWith(orderIdSchema, value, "order id");
}
