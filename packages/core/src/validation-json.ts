/**
 * Reading a request's JSON (validation.ts has the error codes): the size limit, JSON itself,
 * `__proto__` keys refused. No schema library here, so every route can afford it.
 */
import { BadRequestError, PayloadTooLargeError } from "./errors";

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

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

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
