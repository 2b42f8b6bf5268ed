/** REST handlers of SPEC §5, one export per route of routes.ts (`httpApi.routes`). */
import * as Order from "@live-orders/core/order";
import {
  parseCancel,
  parseCreateOrder,
  parseEventsQuery,
  parseListOrders,
  parseOrderId,
  parseOrderQuery,
  parseSetEta,
  parseUpdateStatus,
} from "@live-orders/core/validation";
import { bodyOf, json, route } from "./respond";

/** `POST /orders` (customer) `{items:[{sku, quantity}], note?, contact, fulfilment}` → 201 with the order, priced from the menu. */
export const create = route("POST /orders", async ({ event, identity }) =>
  json(201, await Order.place(identity, parseCreateOrder(bodyOf(event)))),
);

/** `GET /orders` → `{orders, cursor?}`: own orders newest first; staff all, `?status=`, `?q=`, `?cursor=`. */
export const list = route("GET /orders", async ({ event, identity }) =>
  json(200, await Order.list(identity, parseListOrders(event.queryStringParameters))),
);

/** `GET /orders/{id}` → `{order, events, cursor?}`: the newest page of events; owner or staff, else 404. */
export const get = route("GET /orders/{id}", async ({ event, identity }) => {
  const orderId = parseOrderId(event.pathParameters?.id);
  return json(200, await Order.getWithEvents(identity, orderId, parseOrderQuery(event.queryStringParameters)));
});

/** `GET /orders/{id}/events?since=N` (or `?before=N`, `?cursor=`) → `{events, cursor?}`: one page, in seq order. */
export const events = route("GET /orders/{id}/events", async ({ event, identity }) => {
  const orderId = parseOrderId(event.pathParameters?.id);
  const { limit, ...query } = parseEventsQuery(event.queryStringParameters);
  const request = "cursor" in query ? Order.decodeEventCursor(query.cursor) : query;
  const { events: page, cursor } = await Order.eventsPage(
    identity,
    orderId,
    request,
    limit === undefined ? {} : { limit },
  );
  return json(200, { events: page, ...(cursor === undefined ? {} : { cursor }) });
});

/** `PATCH /orders/{id}/status` (staff) `{status, version}` → 200; 409 on an illegal transition or stale version. */
export const updateStatus = route("PATCH /orders/{id}/status", async ({ event, identity }) => {
  const orderId = parseOrderId(event.pathParameters?.id);
  return json(200, await Order.updateStatus(identity, orderId, parseUpdateStatus(bodyOf(event))));
});

/** `POST /orders/{id}/cancel`: the owner while placed; staff until delivered. */
export const cancel = route("POST /orders/{id}/cancel", async ({ event, identity }) => {
  const orderId = parseOrderId(event.pathParameters?.id);
  return json(200, await Order.cancel(identity, orderId, parseCancel(bodyOf(event))));
});

/** `PATCH /orders/{id}/eta` (staff) `{etaAt}` → 200 with the order; an `order.eta` event. A customer → 403. */
export const setEta = route("PATCH /orders/{id}/eta", async ({ event, identity }) => {
  const orderId = parseOrderId(event.pathParameters?.id);
  return json(200, await Order.setEta(identity, orderId, parseSetEta(bodyOf(event))));
});
