/**
 * The schema kit behind validation.ts and validation-frames.ts: Valibot (it tree-shakes: a route
 * bundles only the checks its own schema uses), with the messages clients and tests have always
 * seen, which are zod's ("Invalid input: expected number, received string", "Too big: expected
 * string to have <=128 characters"…), and zod's order of checks: a wrong type or a non-integer
 * stops a field's checks, a string's checks all report, an array's length is checked before its
 * items.
 *
 * A schema built at a module's top stays in every bundle that imports the module (esbuild
 * cannot tell these builders are pure across modules), so the frames build theirs at first use
 * (validation-frames.ts).
 */
import * as v from "valibot";
import { BadRequestError } from "./errors";
import { isPlainObject } from "./validation-json";

export type Schema<T> = v.GenericSchema<unknown, T>;

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

export function invalidType(expected: string) {
  return (issue: v.BaseIssue<unknown>) => `Invalid input: expected ${expected}, received ${receivedOf(issue.input)}`;
}
const tooSmall = (what: string, bound: number, unit = "") =>
  `Too small: expected ${what} to ${unit ? `have >=${bound} ${unit}` : `be >=${bound}`}`;
const tooBig = (what: string, bound: number, unit = "") =>
  `Too big: expected ${what} to ${unit ? `have <=${bound} ${unit}` : `be <=${bound}`}`;

export function str(...checks: v.PipeItem<string, string, v.BaseIssue<unknown>>[]): Schema<string> {
  return v.pipe(v.string(invalidType("string")), ...checks) as Schema<string>;
}

export function maxChars(n: number) {
  return v.maxLength<string, number, string>(n, tooBig("string", n, "characters"));
}

export function minChars(n: number) {
  return v.minLength<string, number, string>(n, tooSmall("string", n, "characters"));
}

/** A finite integer in [min, max]: one check, one message, in zod's order (type, integer, bounds). */
export function int(min: number, max = Number.MAX_SAFE_INTEGER): Schema<number> {
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

export function oneOf<const T extends readonly string[]>(values: T): Schema<T[number]> {
  return v.picklist(
    values,
    `Invalid option: expected one of ${values.map((value) => JSON.stringify(value)).join("|")}`,
  );
}

/** An array whose length is checked before its items. */
export function list<T>(item: Schema<T>, min: number, max: number): Schema<T[]> {
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
export function obj<E extends v.ObjectEntries>(
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

export function parseWith<T>(schema: Schema<T>, value: unknown, what: string): T {
  const result = v.safeParse(schema, value);
  if (!result.success) throw badRequestFrom(result.issues, what);
  return result.output;
}

// ---------------------------------------------------------------- pieces both APIs use

const idPattern = /^[A-Za-z0-9_-]{1,64}$/;
export const orderIdSchema = () => str(v.regex(idPattern, "must be 1-64 letters, digits, _ or -"));
/** `since` asks for events after it, so it stops one short of the largest seq a key can hold. */
export const maxSeqValue = 9_999_999_998;
