/**
 * The REST API (SPEC §5) as the web client uses it: Bearer token on every call, JSON errors
 * `{code, message}` turned into ServerError. Takes `fetch` as an option so Node can drive it.
 */
import type {
  ConnectTicket,
  MenuResponse,
  Order,
  OrderEvent,
  OrderStatus,
  PlaceOrderBody,
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
      const response = await fetchImpl(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
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
    listOrders(query: { status?: OrderStatus; cursor?: string; limit?: number } = {}) {
      const params = new URLSearchParams();
      if (query.status) params.set("status", query.status);
      if (query.cursor) params.set("cursor", query.cursor);
      if (query.limit) params.set("limit", String(query.limit));
      const qs = params.size ? `?${params}` : "";
      return request<{ orders: Order[]; cursor?: string }>("GET", `/orders${qs}`);
    },
    getOrder(orderId: string) {
      return request<{ order: Order; events: OrderEvent[] }>("GET", `/orders/${encodeURIComponent(orderId)}`);
    },
    eventsSince(orderId: string, since: number) {
      return request<{ events: OrderEvent[] }>("GET", `/orders/${encodeURIComponent(orderId)}/events?since=${since}`);
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
    cancel(orderId: string) {
      return request<Order>("POST", `/orders/${encodeURIComponent(orderId)}/cancel`);
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text.slice(0, 200) };
  }
}
