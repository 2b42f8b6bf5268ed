/**
 * Input validation for both APIs, producing the error codes of SPEC §4/§5:
 *  - not JSON, not an object, wrong types, `__proto__` keys      → BAD_REQUEST (with what was wrong)
 *  - a frame whose action is not a route                          → UNKNOWN_ACTION
 *  - chat text over the limit, a body over the size limit         → PAYLOAD_TOO_LARGE
 *  - text a person typed that cannot be shown honestly (text.ts)  → BAD_REQUEST; what is kept
 *    is its NFC form
 * Nothing here touches storage: a rejected input is never written anywhere.
 */
import * as v from "valibot";
import { BadRequestError, PayloadTooLargeError, UnknownActionError } from "./errors";
import { menuItemOf } from "./menu";
import { addressProblem, cleanEntry, nameProblem, noteProblem, phoneProblem } from "./order-details";
import {
  type ClientAction,
  type ClientFrame,
  maxChatTextLength,
  OrderStatus,
  orderLimits,
  type Topic,
} from "./protocol";
import { characterCount, normalizeText, textRefusal } from "./text";

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
    const value: unknown = JSON.parse(raw, (key, nested) => {
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

// ---------------------------------------------------------------- schemas
//
// Valibot (it tree-shakes: a route bundles only the checks it uses), with the messages clients
// and tests have always seen, which are zod's ("Invalid input: expected number, received
// string", "Too big: expected string to have <=128 characters"…), and zod's order of checks: a
// wrong type or a non-integer stops a field's checks, a string's checks all report, an array's
// length is checked before its items.

type Schema<T> = v.GenericSchema<unknown, T>;

/** The type name zod puts after "received". */
function receivedOf(input: unknown): string {
  if (input === null) return "null";
  if (Array.isArray(input)) return "array";
  if (typeof input === "number") {
    if (Number.isNaN(input)) return "NaN";
    if (!Number.isFinite(input)) return input > 0 ? "Infinity" : "-Infinity";
  }
  return typeof input;
}

const invalidType = (expected: string) => (issue: v.BaseIssue<unknown>) =>
  `Invalid input: expected ${expected}, received ${receivedOf(issue.input)}`;
const tooSmall = (what: string, bound: number, unit = "") =>
  `Too small: expected ${what} to ${unit ? `have >=${bound} ${unit}` : `be >=${bound}`}`;
const tooBig = (what: string, bound: number, unit = "") =>
  `Too big: expected ${what} to ${unit ? `have <=${bound} ${unit}` : `be <=${bound}`}`;

function str(...checks: v.PipeItem<string, string, v.BaseIssue<unknown>>[]): Schema<string> {
  return v.pipe(v.string(invalidType("string")), ...checks) as Schema<string>;
}
const maxChars = (n: number) => v.maxLength<string, number, string>(n, tooBig("string", n, "characters"));
const minChars = (n: number) => v.minLength<string, number, string>(n, tooSmall("string", n, "characters"));

/** A finite integer in [min, max]: one check, one message, in zod's order (type, integer, bounds). */
function int(min: number, max = Number.MAX_SAFE_INTEGER): Schema<number> {
  const refusal = (input: unknown): string | undefined => {
    if (typeof input !== "number" || !Number.isFinite(input))
      return `Invalid input: expected number, received ${receivedOf(input)}`;
    if (!Number.isInteger(input)) return "Invalid input: expected int, received number";
    if (input < min) return tooSmall("number", min);
    if (input > max) return tooBig("number", max);
    return undefined;
  };
  return v.custom<number>(
    (input) => refusal(input) === undefined,
    (issue) => refusal(issue.input) ?? "Invalid input",
  );
}

function oneOf<const T extends readonly string[]>(values: T): Schema<T[number]> {
  return v.picklist(
    values,
    `Invalid option: expected one of ${values.map((value) => JSON.stringify(value)).join("|")}`,
  );
}

/** An array whose length is checked before its items. */
function list<T>(item: Schema<T>, min: number, max: number): Schema<T[]> {
  return v.pipe(
    v.array(v.unknown(), invalidType("array")),
    v.minLength(min, tooSmall("array", min, "items")),
    v.maxLength(max, tooBig("array", max, "items")),
    v.array(item),
  ) as Schema<T[]>;
}

/**
 * A plain object of `entries` (unknown keys dropped). A missing required key is reported as its
 * field's wrong type ("expected string, received undefined"), as zod does, unless `whenMissing`
 * says what a person should be told instead.
 */
function obj<E extends v.ObjectEntries>(
  entries: E,
  whenMissing?: string,
): Schema<v.InferOutput<v.ObjectSchema<E, undefined>>> {
  const required = Object.keys(entries).filter((key) => entries[key]?.type !== "optional");
  const notAnObject = invalidType("object");
  return v.pipe(
    v.custom<Record<string, unknown>>(isPlainObject, (issue) =>
      issue.input === undefined && whenMissing !== undefined ? whenMissing : notAnObject(issue),
    ),
    v.transform((input) => {
      const missing = required.filter((key) => !(key in input));
      return missing.length === 0 ? input : { ...input, ...Object.fromEntries(missing.map((key) => [key, undefined])) };
    }),
    v.object(entries),
  ) as unknown as Schema<v.InferOutput<v.ObjectSchema<E, undefined>>>;
}

/** Validation issues → BAD_REQUEST naming each wrong field. */
function badRequestFrom(issues: readonly v.BaseIssue<unknown>[], what: string): BadRequestError {
  const details = issues.map((issue) => ({ path: v.getDotPath(issue) ?? "(root)", message: issue.message }));
  const summary = details.map((d) => `${d.path}: ${d.message}`).join("; ");
  return new BadRequestError(`invalid ${what}: ${summary}`, details);
}

function parseWith<T>(schema: Schema<T>, value: unknown, what: string): T {
  const result = v.safeParse(schema, value);
  if (!result.success) throw badRequestFrom(result.issues, what);
  return result.output;
}

/**
 * Text a person typed into a field (order-details.ts has each field's rule): refused with the
 * rule's words, kept as its NFC form without surrounding spaces.
 */
function personText(problem: (text: string) => string | undefined): Schema<string> {
  const notAString = invalidType("string");
  return v.pipe(
    v.string((issue) => (issue.input === undefined ? "is required" : notAString(issue))),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const refusal = problem(dataset.value);
      if (refusal === undefined) return cleanEntry(dataset.value);
      addIssue({ message: refusal });
      return NEVER;
    }),
  ) as Schema<string>;
}

// ---------------------------------------------------------------- shared pieces

const idPattern = /^[A-Za-z0-9_-]{1,64}$/;
const orderIdSchema = str(v.regex(idPattern, "must be 1-64 letters, digits, _ or -"));
/** `since` asks for events after it, so it stops one short of the largest seq a key can hold. */
const maxSeqValue = 9_999_999_998;
const seqSchema = int(0, maxSeqValue);

const topicSchema = v.pipe(
  v.string("Invalid input"),
  v.regex(
    /^(?:orders|order:[A-Za-z0-9_-]{1,64}|customer:[A-Za-z0-9_-]{1,128})$/,
    'must be "orders", "order:{orderId}" or "customer:{customerId}"',
  ),
) as Schema<Topic>;

const frameIdSchema = v.optional(str(maxChars(128)));
const clientMessageIdSchema = str(v.regex(/^[A-Za-z0-9_.:-]{1,128}$/, "must be 1-128 letters, digits or _ . : -"));

// ---------------------------------------------------------------- WebSocket frames

const frameSchemas = {
  subscribe: obj({
    action: v.literal("subscribe"),
    id: frameIdSchema,
    topic: topicSchema,
    since: v.optional(seqSchema),
  }),
  unsubscribe: obj({ action: v.literal("unsubscribe"), id: frameIdSchema, topic: topicSchema }),
  sendMessage: obj({
    action: v.literal("sendMessage"),
    id: frameIdSchema,
    orderId: orderIdSchema,
    // Length is checked after the types, so an over-long text reports PAYLOAD_TOO_LARGE.
    text: str(),
    clientMessageId: clientMessageIdSchema,
  }),
  ping: obj({ action: v.literal("ping"), id: frameIdSchema }),
  typing: obj({ action: v.literal("typing"), id: frameIdSchema, orderId: orderIdSchema }),
  markRead: obj({
    action: v.literal("markRead"),
    id: frameIdSchema,
    orderId: orderIdSchema,
    seq: int(1, maxSeqValue + 1),
  }),
} satisfies Record<ClientAction, Schema<unknown>>;

export type FrameOf<A extends ClientAction> = Extract<ClientFrame, { action: A }>;

/** The `id` to echo in an error reply, when the frame had a usable one. */
export function frameIdOf(value: unknown): string | undefined {
  if (!isPlainObject(value)) return undefined;
  const id = value.id;
  return typeof id === "string" && id.length <= 128 ? id : undefined;
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
  const frame = parseWith<unknown>(frameSchemas[expected], value, `${expected} frame`) as ClientFrame;
  if (frame.action === "sendMessage") {
    const refusal = textRefusal(frame.text);
    if (refusal !== undefined) throw new BadRequestError(`invalid sendMessage frame: text: ${refusal}`);
    frame.text = normalizeText(frame.text);
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

/** A line names a sku of the menu and a quantity; its price is the menu's, never the client's. */
const orderLineSchema = obj({
  sku: v.pipe(
    str(maxChars(64)),
    v.check(
      (sku) => menuItemOf(sku) !== undefined,
      (issue) => `unknown sku ${JSON.stringify(issue.input)}: it is not on the menu (GET /menu)`,
    ),
  ) as Schema<string>,
  quantity: int(1, orderLimits.maxQuantity),
});

const orderLinesSchema = v.pipe(
  list(orderLineSchema, 1, orderLimits.maxLines) as v.GenericSchema<unknown, { sku: string; quantity: number }[]>,
  v.check(
    (lines) => new Set(lines.map((line) => line.sku)).size === lines.length,
    "each sku may appear once: set its quantity instead",
  ),
) as Schema<{ sku: string; quantity: number }[]>;

const contactSchema = obj({ name: personText(nameProblem), phone: personText(phoneProblem) }, "is required");

const fulfilmentTypes = ["pickup", "delivery"] as const;
const fulfilmentSchema = v.lazy((input) => {
  const type = isPlainObject(input) ? input.type : undefined;
  if (type === "delivery") return obj({ type: v.literal("delivery"), address: personText(addressProblem) });
  if (type === "pickup") return obj({ type: v.literal("pickup") });
  return obj({ type: oneOf(fulfilmentTypes) }, "is required (pickup, or delivery with an address)");
}) as Schema<{ type: "pickup" } | { type: "delivery"; address: string }>;

const createOrderSchema = obj({
  items: orderLinesSchema,
  note: v.optional(personText(noteProblem)),
  contact: contactSchema,
  fulfilment: fulfilmentSchema,
});
export type CreateOrderInput = v.InferOutput<typeof createOrderSchema>;

const statusSchema = oneOf(Object.values(OrderStatus));

const updateStatusSchema = obj({ status: statusSchema, version: int(1) });
export type UpdateStatusInput = v.InferOutput<typeof updateStatusSchema>;

const cancelSchema = obj({ version: v.optional(int(1)) });
export type CancelInput = v.InferOutput<typeof cancelSchema>;

/** Query strings arrive as strings; numbers are parsed strictly (no "1e3", no "12abc"). */
const intString = (min: number, max: number): Schema<number> =>
  v.pipe(
    v.string(invalidType("string")),
    v.regex(/^\d{1,10}$/, "must be a whole number"),
    v.transform((digits: string) => Number(digits)),
    int(min, max) as v.GenericSchema<number, number>,
  );

/** An instant as `toISOString` writes it, the form order timestamps are stored and sorted in. */
const isoInstant = str(
  v.regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/,
    "must be an ISO-8601 UTC time like 2026-01-31T12:00:00.000Z",
  ),
);

const setEtaSchema = obj({ etaAt: v.nullable(isoInstant) });
export type SetEtaInput = v.InferOutput<typeof setEtaSchema>;

const listOrdersSchema = obj({
  status: v.optional(statusSchema),
  cursor: v.optional(str(maxChars(2048))),
  limit: v.optional(intString(1, 100)),
  /** Staff search: order number or customer name (order-search.ts). */
  q: v.optional(str(minChars(1), maxChars(200))),
  /** With `status`: only orders changed at or after this time (a reconnect's catch-up). */
  updatedAfter: v.optional(isoInstant),
});
export type ListOrdersInput = v.InferOutput<typeof listOrdersSchema>;

const eventsQuerySchema = obj({
  since: v.optional(intString(0, maxSeqValue)),
  before: v.optional(intString(1, maxSeqValue + 1)),
  cursor: v.optional(str(maxChars(256))),
  limit: v.optional(intString(1, 100)),
});

export function parseCreateOrder(raw: string | undefined | null): CreateOrderInput {
  return parseWith(createOrderSchema, parseJson(raw), "order");
}

/** `PATCH /orders/{id}/eta`: `{etaAt}`, an ISO-8601 UTC time or null (its being in the future is order.ts's check). */
export function parseSetEta(raw: string | undefined | null): SetEtaInput {
  return parseWith(setEtaSchema, parseJson(raw), "ETA");
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
  const parsed = parseWith(listOrdersSchema, query ?? {}, "query");
  if (parsed.q !== undefined && parsed.status !== undefined)
    throw new BadRequestError("invalid query: q: searches every status, so it takes no status");
  return parsed;
}

/**
 * `GET /orders/{id}/events`: `since` (forwards, default 0), `before` (backwards) or a `cursor`
 * from an earlier page (which names its own direction and is decoded by the caller), at most one
 * of them; `limit` shortens the page.
 */
export type EventsQuery = ({ since: number } | { before: number } | { cursor: string }) & { limit?: number };

export function parseEventsQuery(query: Record<string, string | undefined> | undefined | null): EventsQuery {
  const parsed = parseWith(eventsQuerySchema, query ?? {}, "query");
  const given = (["since", "before", "cursor"] as const).filter((key) => parsed[key] !== undefined);
  if (given.length > 1) throw new BadRequestError(`invalid query: ${given.join(", ")}: give one of them`);
  const limit = parsed.limit === undefined ? {} : { limit: parsed.limit };
  if (parsed.cursor !== undefined) return { cursor: parsed.cursor, ...limit };
  if (parsed.before !== undefined) return { before: parsed.before, ...limit };
  return { since: parsed.since ?? 0, ...limit };
}

/** `GET /orders/{id}`: `limit` shortens the first page of events. */
export function parseOrderQuery(query: Record<string, string | undefined> | undefined | null): { limit?: number } {
  const parsed = parseWith(obj({ limit: v.optional(intString(1, 100)) }), query ?? {}, "query");
  return parsed.limit === undefined ? {} : { limit: parsed.limit };
}

export function parseOrderId(value: string | undefined): string {
  return parseWith(orderIdSchema, value, "order id");
}
