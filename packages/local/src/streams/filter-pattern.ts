/**
 * Lambda event-source filter patterns (the `filters` of an event source mapping), evaluated the
 * way Lambda does before it batches records: a record is delivered when ANY filter matches; a
 * record no filter matches is dropped (and counts as processed).
 *
 * Pattern semantics (Lambda's subset of EventBridge patterns):
 *   - an object: every key must match (AND); the special key `$or` holds alternative patterns;
 *   - a leaf is an array of matchers, any of which may match (OR);
 *   - matchers: a literal (string, number, boolean, null: equality), `{prefix}`, `{suffix}`,
 *     `{"equals-ignore-case"}`, `{"anything-but": value | values | {prefix}}`,
 *     `{numeric: [op, n, op, n]}`, `{exists: boolean}`;
 *   - a data array matches when any of its elements matches;
 *   - a key the data lacks matches only `{exists: false}`.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html
 */
export type FilterPattern = { readonly [key: string]: FilterPattern | readonly Matcher[] | readonly FilterPattern[] };
export type Matcher =
  | string
  | number
  | boolean
  | null
  | { readonly prefix: string }
  | { readonly suffix: string }
  | { readonly "equals-ignore-case": string }
  | { readonly "anything-but": string | number | readonly (string | number)[] | { readonly prefix: string } }
  | { readonly numeric: readonly (string | number)[] }
  | { readonly exists: boolean };

export class FilterPatternError extends Error {
  override name = "FilterPatternError";
}

/** True when `filters` is empty/absent (no filtering) or any filter matches the record. */
export function matchesAnyFilter(record: unknown, filters: readonly FilterPattern[] | undefined): boolean {
  if (!filters || filters.length === 0) return true;
  return filters.some((pattern) => matchesPattern(record, pattern));
}

export function matchesPattern(data: unknown, pattern: FilterPattern): boolean {
  for (const [key, expected] of Object.entries(pattern)) {
    if (key === "$or") {
      if (!Array.isArray(expected)) throw new FilterPatternError("$or takes an array of patterns");
      if (!(expected as FilterPattern[]).some((alternative) => matchesPattern(data, alternative))) return false;
      continue;
    }
    const present = isObject(data) && Object.hasOwn(data, key);
    const value = present ? (data as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(expected)) {
      if (!matchesLeaf(present, value, expected as readonly Matcher[])) return false;
    } else if (isObject(expected)) {
      if (!present) return false;
      if (!matchesPattern(value, expected as FilterPattern)) return false;
    } else {
      throw new FilterPatternError(`pattern value of "${key}" must be an array of matchers or an object`);
    }
  }
  return true;
}

function matchesLeaf(present: boolean, value: unknown, matchers: readonly Matcher[]): boolean {
  return matchers.some((matcher) => {
    if (isObject(matcher) && "exists" in matcher) {
      // A leaf "exists" only when it is a value, not an object.
      const exists = present && !isObject(value);
      return matcher.exists === exists;
    }
    if (!present) return false;
    const values = Array.isArray(value) ? value : [value];
    return values.some((v) => matchesValue(v, matcher));
  });
}

function matchesValue(value: unknown, matcher: Matcher): boolean {
  if (matcher === null || typeof matcher !== "object") return value === matcher;
  if ("prefix" in matcher) return typeof value === "string" && value.startsWith(matcher.prefix);
  if ("suffix" in matcher) return typeof value === "string" && value.endsWith(matcher.suffix);
  if ("equals-ignore-case" in matcher) {
    return typeof value === "string" && value.toLowerCase() === matcher["equals-ignore-case"].toLowerCase();
  }
  if ("anything-but" in matcher) {
    const but = matcher["anything-but"];
    if (isObject(but) && "prefix" in but) return typeof value === "string" && !value.startsWith(but.prefix);
    const excluded = Array.isArray(but) ? but : [but];
    return value !== undefined && !excluded.includes(value as string | number);
  }
  if ("numeric" in matcher) return typeof value === "number" && matchesNumeric(value, matcher.numeric);
  throw new FilterPatternError(`unsupported matcher ${JSON.stringify(matcher)}`);
}

function matchesNumeric(value: number, conditions: readonly (string | number)[]): boolean {
  for (let i = 0; i < conditions.length; i += 2) {
    const op = conditions[i];
    const operand = conditions[i + 1];
    if (typeof operand !== "number") throw new FilterPatternError(`numeric: ${String(op)} needs a number`);
    const ok =
      op === "="
        ? value === operand
        : op === "<"
          ? value < operand
          : op === "<="
            ? value <= operand
            : op === ">"
              ? value > operand
              : op === ">="
                ? value >= operand
                : undefined;
    if (ok === undefined) throw new FilterPatternError(`numeric: unknown operator ${String(op)}`);
    if (!ok) return false;
  }
  return true;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
