/**
 * The HTTP exchange behind one call of the web app's REST client (`createOrdersApi`, which takes
 * `fetch`), for tests that assert the response itself (status, error body) whether the call
 * resolved or threw. The call gets a `fetch` of its own, so concurrent calls keep theirs apart.
 */
export interface RecordedResponse {
  status: number;
  /** The JSON body (undefined when empty). */
  body: unknown;
}

/** `responseOf((fetch) => createOrdersApi({ ...options, fetch }).getOrder(id))`: its last response. */
export async function responseOf(
  call: (fetch: typeof globalThis.fetch) => Promise<unknown>,
): Promise<RecordedResponse> {
  let last: RecordedResponse | undefined;
  const recording: typeof globalThis.fetch = async (input, init) => {
    const response = await fetch(input, init);
    const text = await response.clone().text();
    last = { status: response.status, body: text.length > 0 ? JSON.parse(text) : undefined };
    return response;
  };
  await call(recording).catch(() => undefined);
  if (last === undefined) throw new Error("the call made no request");
  return last;
}
