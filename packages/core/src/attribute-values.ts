/**
 * Plain values ⇄ DynamoDB's attribute values, as `@aws-sdk/util-dynamodb` converts them
 * (`marshall(item, { removeUndefinedValues: true })`, `unmarshall(item)`): the codec behind
 * `dynamo()` (dynamo.ts), the rate limiter's failed-condition item and the fan-out's stream
 * images. attribute-values.test.ts holds it to util-dynamodb's output for every type.
 *
 * Why not util-dynamodb itself: its converters are ~4.8 KB of every bundle that touches the
 * table, this well under 1 KB (docs/benchmarks.md, "Bundles"), and the hot paths have a 40 KB
 * budget. It writes only the types the app stores (S, N, BOOL, NULL, M, L) and refuses the
 * others util-dynamodb would convert (sets, binary, `Map`, class instances), so a new kind of
 * value fails loudly at its first write instead of being stored some other way; it reads every
 * type DynamoDB can hold, as util-dynamodb reads them.
 */

// biome-ignore lint/suspicious/noExplicitAny: an attribute value as DynamoDB's JSON carries it.
export type AttributeValue = Record<string, any>;
export type AttributeMap = Record<string, AttributeValue>;

/** A plain object's attributes; `undefined` and function members are left out, as util-dynamodb's removeUndefinedValues does. */
export function marshall(item: object): AttributeMap {
  const attributes: AttributeMap = {};
  for (const key in item) {
    const value = (item as Record<string, unknown>)[key];
    if (isStored(value)) attributes[key] = toAttribute(value);
  }
  return attributes;
}

/** An item's attributes as plain values: numbers beyond Number's safe integers as `bigint`, sets as `Set`. */
export function unmarshall(attributes: AttributeMap): Record<string, unknown> {
  const item: Record<string, unknown> = {};
  for (const key in attributes) item[key] = fromAttribute(attributes[key] as AttributeValue);
  return item;
}

const isStored = (value: unknown) => value !== undefined && typeof value !== "function";

function toAttribute(value: unknown): AttributeValue {
  if (typeof value === "string") return { S: value };
  if (typeof value === "boolean") return { BOOL: value };
  if (typeof value === "bigint") return { N: String(value) };
  if (typeof value === "number") {
    // Beyond the safe integers a number is no longer the one written (util-dynamodb refuses too).
    if (!Number.isFinite(value) || Math.abs(value) > Number.MAX_SAFE_INTEGER)
      throw new Error(`cannot store the number ${value}: not finite, or beyond Number.MAX_SAFE_INTEGER`);
    return { N: String(value) };
  }
  if (value === null) return { NULL: true };
  if (Array.isArray(value)) return { L: value.filter(isStored).map(toAttribute) };
  const prototype = Object.getPrototypeOf(value);
  if (prototype === Object.prototype || prototype === null) return { M: marshall(value as object) };
  throw new Error(`cannot store ${String(value)}: only strings, numbers, booleans, null, arrays and plain objects`);
}

function fromAttribute(attribute: AttributeValue): unknown {
  for (const type in attribute) {
    const value = attribute[type];
    if (value === undefined) continue;
    switch (type) {
      case "S":
      case "B":
        return value;
      case "N":
        return numberOf(value);
      case "BOOL":
        return Boolean(value);
      case "NULL":
        return null;
      case "M":
        return unmarshall(value);
      case "L":
        return value.map(fromAttribute);
      case "SS":
      case "BS":
        return new Set(value);
      case "NS":
        return new Set(value.map(numberOf));
      default:
        throw new Error(`Unsupported type passed: ${type}`);
    }
  }
  throw new Error(`No value defined: ${JSON.stringify(attribute)}`);
}

/** As util-dynamodb reads N without `wrapNumbers`: a `bigint` when Number would lose digits of an integer. */
function numberOf(digits: string): number | bigint {
  const value = Number(digits);
  return Number.isFinite(value) && Math.abs(value) > Number.MAX_SAFE_INTEGER ? BigInt(digits) : value;
}
