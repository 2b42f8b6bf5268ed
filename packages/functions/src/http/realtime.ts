/** The REST side of the WebSocket API: connect tickets, and sign-out closing one's own connections. */
import { closeConnectionsOfUser } from "@live-orders/core/connection-cleanup";
import * as Ticket from "@live-orders/core/ticket";
import { connectionsClient } from "../connections";
import { json, route } from "./respond";

/** `POST /realtime/tickets` → 201 `{ticket, expiresAt}`: the caller's next connect (SPEC §4). */
export const issueTicket = route("POST /realtime/tickets", async ({ identity }) =>
  json(201, await Ticket.issue(identity)),
);

/**
 * `DELETE /realtime/connections` → 200 `{closed}`: closes every WebSocket connection of the
 * caller (the web app calls it on sign-out, before dropping its tokens).
 */
export const closeConnections = route("DELETE /realtime/connections", async ({ identity }) =>
  json(200, { closed: await closeConnectionsOfUser(identity.userId, connectionsClient()) }),
);
