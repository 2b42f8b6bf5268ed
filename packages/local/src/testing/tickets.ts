/**
 * Connecting to the WebSocket API as the web app does (SPEC §4): a fresh single-use ticket from
 * `POST /realtime/tickets` for the user's access token, then `{ws}?ticket=…`.
 */
import type { ConnectTicket } from "@live-orders/core/protocol";
import type { Outputs } from "../stack/local-stack";

/** A new ticket for `accessToken`; throws with the status when the API refuses. */
export async function issueTicket(target: Pick<Outputs, "api">, accessToken: string): Promise<ConnectTicket> {
  const response = await fetch(`${target.api}/realtime/tickets`, {
    method: "POST",
    headers: { authorization: `Bearer ${accessToken}` },
  });
  if (response.status !== 201) {
    throw Object.assign(new Error(`POST /realtime/tickets: ${response.status} ${await response.text()}`), {
      status: response.status,
    });
  }
  return (await response.json()) as ConnectTicket;
}

/** The WebSocket URL with a fresh ticket of the user whose access token this is. */
export async function connectUrl(target: Pick<Outputs, "api" | "ws">, accessToken: string): Promise<string> {
  const { ticket } = await issueTicket(target, accessToken);
  return withTicket(target, ticket);
}

/** The WebSocket URL with this ticket (used, expired or made up, for tests of refusals). */
export function withTicket(target: Pick<Outputs, "ws">, ticket: string): string {
  const url = new URL(target.ws);
  url.searchParams.set("ticket", ticket);
  return url.toString();
}
