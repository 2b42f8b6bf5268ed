/**
 * Input validation for both APIs, producing the error codes of SPEC §4/§5:
 *  - not JSON, not an object, wrong types, `__proto__` keys      → BAD_REQUEST (with what was wrong)
 *  - a frame whose action is not a route                          → UNKNOWN_ACTION
 *  - chat text over the limit, a body over the size limit         → PAYLOAD_TOO_LARGE
 *  - text a person typed that cannot be shown honestly (text.ts)  → BAD_REQUEST; what is kept
 *    is its NFC form
 * Nothing here touches storage: a rejected input is never written anywhere.
 *
 * This module holds the REST bodies and queries and re-exports the rest: reading JSON
 * (validation-json.ts), the WebSocket frames (validation-frames.ts, one validator per route, so
 * a route bundles only its own frame's checks) and the schema kit (validation-schema.ts).
 */
import * as v from "valibot";
import { BadRequestError } from "./errors";
import { menuItemOf } from "./menu";
import { addressProblem, cleanEntry, nameProblem, noteProblem, phoneProblem } from "./order-details";
import { OrderStatus, orderLimits } from "./protocol";
import { isPlainObject, parseJson } from "./validation-json";
import {
  int,
  invalidType,
  list,
  maxChars,
  maxSeqValue,
  minChars,
  obj,
  oneOf,
  orderIdSchema,
  parseWith,
  type Schema,
  str,
} from "./validation-schema";

export { defaultRouteError, type FrameOf, type FrameValidator, validateFrame } from "./validation-frames";
export { type DecodedFrame, decodeFrame, frameIdOf, maxBodyBytes, parseJson } from "./validation-json";

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
  return parseWith(orderIdSchema(), value, "order id");
}
