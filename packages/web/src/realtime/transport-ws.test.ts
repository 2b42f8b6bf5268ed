/** The transport against a real `ws` server on loopback: real sockets, real close codes. */
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { ReconnectingTransport } from "./transport";

let server: WebSocketServer;
let port: number;
const connections: Array<{ socket: WebSocket; ticket: string | null; received: string[] }> = [];

beforeEach(async () => {
  connections.length = 0;
  server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  port = (server.address() as AddressInfo).port;
  server.on("connection", (socket, request) => {
    const ticket = new URL(request.url ?? "/", "http://x").searchParams.get("ticket");
    const connection = { socket, ticket, received: [] as string[] };
    connections.push(connection);
    socket.on("message", (data) => {
      const text = data.toString();
      connection.received.push(text);
      if (text === "echo") socket.send("echoed");
    });
  });
});

afterEach(async () => {
  for (const client of server.clients) client.terminate();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function until(predicate: () => boolean, timeoutMs = 3_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (predicate()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error("condition not met in time"));
      setTimeout(check, 5);
    };
    check();
  });
}

function createTransport() {
  let tickets = 0;
  return new ReconnectingTransport({
    url: async () => `ws://127.0.0.1:${port}/local?ticket=t${++tickets}`,
    WebSocket, // the `ws` class as is: what the Node chaos clients pass
    backoff: { minDelayMs: 20, maxDelayMs: 100, jitter: 0.5 },
    heartbeat: false,
  });
}

describe("ReconnectingTransport over a real ws server", () => {
  it("exchanges text frames", async () => {
    const transport = createTransport();
    const received: string[] = [];
    transport.on("message", (data) => received.push(data));
    transport.start();
    await until(() => transport.state === "connected");
    transport.send("echo");
    await until(() => received.length === 1);
    expect(received).toEqual(["echoed"]);
    transport.close();
  });

  it("reconnects with a fresh ticket after the server drops it, then flushes what was queued", async () => {
    const transport = createTransport();
    transport.start();
    await until(() => transport.state === "connected");
    connections[0]!.socket.terminate();
    await until(() => transport.state === "reconnecting");
    expect(transport.send("while-down")).toBe("queued");
    await until(() => transport.state === "connected");
    await until(() => connections[1]?.received.length === 1);
    expect(connections.map((connection) => connection.ticket)).toEqual(["t1", "t2"]);
    expect(connections[1]!.received).toEqual(["while-down"]);
    transport.close();
  });

  it("keeps retrying while the server is gone and connects when it is back", async () => {
    const transport = createTransport();
    transport.start();
    await until(() => transport.state === "connected");
    // Gateway restart: every socket closed, nothing listening for a while.
    for (const client of server.clients) client.close(1001, "going away");
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await until(() => transport.state === "reconnecting");
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(transport.state).toBe("reconnecting");
    server = new WebSocketServer({ host: "127.0.0.1", port });
    server.on("connection", (socket) => connections.push({ socket, ticket: null, received: [] }));
    await until(() => transport.state === "connected");
    expect(connections).toHaveLength(2);
    transport.close();
  });

  it("closes the socket on close() and does not come back", async () => {
    const transport = createTransport();
    transport.start();
    await until(() => transport.state === "connected");
    const closed = new Promise<number>((resolve) => connections[0]!.socket.once("close", (code) => resolve(code)));
    transport.close();
    expect(await closed).toBe(1000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(connections).toHaveLength(1);
  });
});
