import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";

/**
 * The baseline: a bare `ws` server on loopback that broadcasts a payload to every client, with
 * nothing in between (no auth, no storage, no management API). Same `ws` options as the local
 * gateway (no permessage-deflate), so the frames on the wire are the same.
 */
export async function startBareWs() {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    clients: () => server.clients.size,
    broadcast(payload: string): number {
      let sent = 0;
      for (const client of server.clients) {
        if (client.readyState !== WebSocket.OPEN) continue;
        client.send(payload);
        sent += 1;
      }
      return sent;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}
