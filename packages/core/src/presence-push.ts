/**
 * Staff presence pushed to customers when it changes (SPEC §4 `presence`): the first staff
 * connection to come, and the last to leave by `$disconnect`, tell every customer connection
 * watching an order (the `presence:staff` topic their order subscriptions joined). A staff
 * connection that dies silently changes nothing here: its customers learn it when its window
 * ends (presence.ts, `staffOnlineUntil`).
 */
import type { ConnectionsApi } from "./connections-api";
import { fanOut } from "./fanout";
import { staffPresenceTopic } from "./keys";
import { forgetStaffConnection, recordStaffHeartbeat, staffPresence } from "./presence";

/** A staff `$connect`: stores its heartbeat; when no staff were online before, tells the customers. */
export async function staffConnected(
  connectionId: string,
  connectedAt: number,
  connections: ConnectionsApi,
): Promise<void> {
  const before = await staffPresence();
  await recordStaffHeartbeat(connectionId, connectedAt, Date.now(), true);
  if (before.staffOnline) return;
  await fanOut(connections, staffPresenceTopic, { type: "presence", ...(await staffPresence(Date.now(), true)) });
}

/** A staff `$disconnect`: forgets its heartbeat; when no staff are online now, tells the customers. */
export async function staffDisconnected(connectionId: string, connections: ConnectionsApi): Promise<void> {
  await forgetStaffConnection(connectionId);
  const now = await staffPresence(Date.now(), true);
  if (!now.staffOnline) await fanOut(connections, staffPresenceTopic, { type: "presence", staffOnline: false });
}
