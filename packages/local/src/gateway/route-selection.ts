/**
 * `$request.body.action`, the route selection expression SST fixes for WebSocket APIs: the route
 * key of a text frame that is a JSON object with a scalar `action`; anything else (not JSON, an
 * array, no action, a binary frame) selects no key and falls to `$default`.
 */
export function selectRouteKey(routes: Readonly<Record<string, unknown>>, frame: string | undefined): string {
  const action = frame === undefined ? undefined : actionOf(frame);
  if (action === undefined || connectionRoutes.has(action)) return "$default";
  return Object.hasOwn(routes, action) ? action : "$default";
}

// A frame cannot select the connection routes: they run only on connect and disconnect.
const connectionRoutes = new Set(["$connect", "$disconnect"]);

function actionOf(frame: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(frame);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
  const action = (parsed as Record<string, unknown>).action;
  return typeof action === "string" || typeof action === "number" || typeof action === "boolean"
    ? String(action)
    : undefined;
}
