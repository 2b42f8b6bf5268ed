/**
 * The REST API (SPEC §5) as the web client uses it: Bearer token on every call, JSON errors
 * `{code, message}` turned into ServerError. Takes `fetch` as an option so Node can drive it.
 */
import type {
  ConnectTicket,
  EventPage,
  MenuResponse,
  Order,
  OrderStatus,
  PlaceOrderBody,
  ReadPositions,
  SetEtaBody,
} from "@live-orders/core/protocol";
import { ServerError } from "./errors";

export type TokenProvider = (options: { forceRefresh: boolean }) => Promise<string>;

export interface OrdersApiOptions {
  apiUrl: string;
  getToken: TokenProvider;
  fetch?: typeof fetch;
}

/** `POST /orders`: lines by sku and quantity (the server prices them), contact and fulfilment. */
export type PlaceOrderInput = PlaceOrderBody;

export type OrdersApi = ReturnType<typeof createOrdersApi>;

/** `GET /orders`: own orders (customers), every order (staff) by `status` (with `updatedAfter`) or found by `q`. */
export interface ListOrdersQuery {
  status?: OrderStatus;
  cursor?: string;
  limit?: number;
  q?: string;
  updatedAfter?: string;
}

/** Which page of an order's events: after `since`, before `before`, or the next one of a `cursor`. */
export type EventsQuery = ({ since: number } | { before: number } | { cursor: string }) & { limit?: number };

/** No response from the API at all (offline, DNS, CORS, connection refused): `fetch` rejected. */
export class NetworkError extends Error {
  override name = "NetworkError";
}

export function createOrdersApi(options: OrdersApiOptions) {
  // Bound: a browser's fetch called as a method of another object throws "Illegal invocation".
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const base = options.apiUrl.replace(/\/+$/, "");

  async function request<T>(
    method: string,
    path: string,
    body?: unknown,
    call: { forceRefresh?: boolean } = {},
  ): Promise<T> {
    let forceRefresh = call.forceRefresh ?? false;
    let refreshed = forceRefresh;
    for (;;) {
      const token = await options.getToken({ forceRefresh });
      let response: Response;
      try {
        response = await fetchImpl(`${base}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      } catch (error) {
        // The browser says "Failed to fetch" for all of these; what the person needs to know is
        // that the request never reached the server.
        throw new NetworkError(`${method} ${path}: no response (${(error as Error).message})`, { cause: error });
      }
      // A token can expire between fetching it and the call landing: refresh once and retry.
      if (response.status === 401 && !refreshed) {
        forceRefresh = true;
        refreshed = true;
        continue;
      }
      const text = await response.text();
      const json: unknown = text ? safeJson(text) : undefined;
      if (!response.ok) {
        const error = (json ?? {}) as { code?: string; message?: string };
        throw new ServerError(
          error.code ?? `HTTP_${response.status}`,
          error.message ?? `${method} ${path} failed with ${response.status}`,
          response.status,
        );
      }
      return json as T;
    }
  }

  return {
    listOrders(query: ListOrdersQuery = {}) {
      return request<{ orders: Order[]; cursor?: string }>("GET", `/orders${queryString(query)}`);
    },
    /** The order and its newest page of events; `cursor` reads older ones (`events({cursor})`). */
    getOrder(orderId: string, query: { limit?: number } = {}) {
      return request<{ order: Order; readPositions: ReadPositions } & EventPage>(
        "GET",
        `/orders/${encodeURIComponent(orderId)}${queryString(query)}`,
      );
    },
    /** One page of an order's events after `since`; `cursor` is set when there are more. */
    eventsSince(orderId: string, since: number) {
      return request<EventPage>("GET", `/orders/${encodeURIComponent(orderId)}/events?since=${since}`);
    },
    events(orderId: string, query: EventsQuery) {
      return request<EventPage>("GET", `/orders/${encodeURIComponent(orderId)}/events${queryString(query)}`);
    },
    placeOrder(input: PlaceOrderInput) {
      return request<Order>("POST", "/orders", input);
    },
    menu() {
      return request<MenuResponse>("GET", "/menu");
    },
    /** A single-use ticket for the next WebSocket connect (SPEC §4); `forceRefresh` asks for a fresh token first. */
    issueTicket(options: { forceRefresh?: boolean } = {}) {
      return request<ConnectTicket>("POST", "/realtime/tickets", undefined, options);
    },
    /** Sign-out: closes every WebSocket connection of the signed-in user, on every device. */
    closeMyConnections() {
      return request<{ closed: number }>("DELETE", "/realtime/connections");
    },
    setStatus(orderId: string, status: OrderStatus, version: number) {
      return request<Order>("PATCH", `/orders/${encodeURIComponent(orderId)}/status`, { status, version });
    },
    /** Staff: when the order is expected (ISO-8601, in the future), or null to clear it. */
    setEta(orderId: string, etaAt: string | null) {
      return request<Order>("PATCH", `/orders/${encodeURIComponent(orderId)}/eta`, { etaAt } satisfies SetEtaBody);
    },
    cancel(orderId: string) {
      return request<Order>("POST", `/orders/${encodeURIComponent(orderId)}/cancel`);
    },
  };
}

function queryString(query: object): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query) as [string, unknown][])
    if (value !== undefined && value !== "") params.set(key, String(value));
  return params.size ? `?${params}` : "";
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text.slice(0, 200) };
  }
}
