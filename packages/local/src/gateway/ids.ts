import { randomBytes } from "node:crypto";

/**
 * Identifiers in API Gateway's formats, so code that parses, logs or URL-encodes them meets the
 * same characters locally as on AWS.
 */

/**
 * A WebSocket connection id, e.g. `L0SM9cOFvHcCIhw=`: 11 random bytes in standard base64, so it
 * ends in `=` and may contain `+` and `/` — which is exactly what catches code that forgets to
 * URL-encode it in an `@connections` path.
 */
export const newConnectionId = (): string => {
  // One randomBytes call per 512 ids rather than per id: every `@connections` call takes a request
  // id, and the native call showed in the fan-out's profile.
  if (poolOffset + idBytes > idPool.length) {
    idPool = randomBytes(idBytes * 512);
    poolOffset = 0;
  }
  const id = idPool.toString("base64", poolOffset, poolOffset + idBytes);
  poolOffset += idBytes;
  return id;
};
const idBytes = 11;
let idPool = Buffer.alloc(0);
let poolOffset = 0;

/** WebSocket request, extended request and message ids share the connection id's format. */
export const newRequestId = newConnectionId;

/** HTTP API request ids look like `JKJaXmPLvHcESHA=` too (and go into `apigw-requestid`). */
export const newHttpRequestId = newConnectionId;

/** A REST/HTTP API id: 10 lower-case letters and digits, e.g. `a1b2c3d4e5`. */
export function newApiId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return [...randomBytes(10)].map((byte) => alphabet[byte % alphabet.length]).join("");
}

/** An X-Ray trace id as API Gateway puts into `x-amzn-trace-id`. */
export function newTraceId(now = Date.now()): string {
  return `Root=1-${Math.floor(now / 1000).toString(16)}-${randomBytes(12).toString("hex")}`;
}

const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;
const pad = (n: number) => String(n).padStart(2, "0");

/** `requestTime` / `time` in API Gateway's CLF format: `26/Nov/2026:16:27:13 +0000`. */
export function formatRequestTime(epochMs: number): string {
  const d = new Date(epochMs);
  return (
    `${pad(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`
  );
}
