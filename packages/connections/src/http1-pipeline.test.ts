/**
 * The pipelined HTTP/1.1 client against real servers on loopback: node:http's server (what the
 * local API Gateway runs) and raw sockets for the answers node:http never gives (chunked bodies in
 * pieces, a connection closed mid-pipeline, a silent server).
 */
import { createServer as createHttpServer, type Server } from "node:http";
import { type AddressInfo, createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Http1Pipeline } from "./http1-pipeline";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listen<T extends Server | NetServer>(server: T): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  if ("closeAllConnections" in server) cleanups.push(() => server.closeAllConnections());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function pipelineTo(origin: string, options: { connections?: number; depth?: number } = {}) {
  const pipeline = new Http1Pipeline({ origin, ...options });
  cleanups.push(() => pipeline.destroy());
  return pipeline;
}

/** A raw server: every connection's bytes are handed to `onData` with the socket. */
async function rawServer(onData: (socket: Socket, text: string, connection: number) => void) {
  const sockets: Socket[] = [];
  const server = createNetServer((socket) => {
    const connection = sockets.push(socket) - 1;
    socket.on("data", (data) => onData(socket, data.toString("latin1"), connection));
    socket.on("error", () => undefined);
  });
  cleanups.push(() => {
    for (const socket of sockets) socket.destroy();
  });
  return { origin: await listen(server), sockets };
}

const requestsIn = (text: string) => text.split("\r\n\r\n").filter((part) => /^(GET|POST|DELETE) /.test(part)).length;

describe("Http1Pipeline by default (no pipelining)", () => {
  it("keeps one request in flight per connection, on a pool up to its size", async () => {
    let inFlightMax = 0;
    const perConnection = new Map<number, number>();
    const { origin, sockets } = await rawServer((socket, text) => {
      const port = socket.remotePort as number;
      const now = (perConnection.get(port) ?? 0) + requestsIn(text);
      inFlightMax = Math.max(inFlightMax, now);
      perConnection.set(port, 0);
      setTimeout(() => socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".repeat(requestsIn(text))), 2);
    });
    const pipeline = pipelineTo(origin, { connections: 5 });

    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, i) => pipeline.request("GET", `/${i}`, {}, undefined, 5000)),
    );

    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(inFlightMax).toBe(1);
    expect(sockets.length).toBe(5);
    expect(pipeline.stats()).toMatchObject({ connectionsOpened: 5, requestsWritten: 40, requestsResent: 0 });
  });

  it("does not reuse a connection that idled past its timeout while timers could not run", async () => {
    const { origin, sockets } = await rawServer((socket, text) => {
      for (let i = 0; i < requestsIn(text); i++) socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    });
    const pipeline = new Http1Pipeline({ origin, idleTimeoutMs: 50 });
    cleanups.push(() => pipeline.destroy());
    await pipeline.request("GET", "/a", {}, undefined, 5000);

    // A frozen process: the idle timer cannot fire, only the wall clock moves.
    const until = Date.now() + 80;
    while (Date.now() < until) {
      // blocked
    }
    await pipeline.request("GET", "/b", {}, undefined, 5000);

    expect(sockets.length).toBe(2);
  });
});

describe("Http1Pipeline, pipelined (depth above 1)", () => {
  it("sends one request on a new connection until it has answered, then pipelines", async () => {
    const batches: number[] = [];
    const { origin } = await rawServer((socket, text) => {
      batches.push(requestsIn(text));
      for (let i = 0; i < requestsIn(text); i++) socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    });
    const pipeline = pipelineTo(origin, { connections: 1, depth: 10 });

    await Promise.all(Array.from({ length: 11 }, (_, i) => pipeline.request("GET", `/${i}`, {}, undefined, 5000)));

    expect(batches[0]).toBe(1);
    expect(Math.max(...batches.slice(1))).toBeGreaterThan(1);
  });

  it("pipelines a burst: every request answered with its own response, each connection's written in one go", async () => {
    const reads = new Map<number, number>();
    const server = createHttpServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => response.end(`${request.method} ${request.url} ${Buffer.concat(chunks).toString()}`));
    });
    server.on("connection", (socket: Socket) => {
      const port = socket.remotePort as number;
      socket.on("data", () => reads.set(port, (reads.get(port) ?? 0) + 1));
    });
    const pipeline = pipelineTo(await listen(server), { connections: 2, depth: 50 });

    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        pipeline.request("POST", `/item/${i}`, { "content-type": "text/plain" }, Buffer.from(`body-${i}`), 5000),
      ),
    );

    expect(responses.map((r) => r.body.toString())).toEqual(
      Array.from({ length: 100 }, (_, i) => `POST /item/${i} body-${i}`),
    );
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(reads.size).toBe(2);
    // 50 requests per connection, written together: the server reads them in a few chunks.
    expect([...reads.values()].every((count) => count <= 5)).toBe(true);
  });

  it("reads chunked bodies and bodies split across reads, and keeps status and headers", async () => {
    const { origin } = await rawServer((socket, text) => {
      for (let i = 0; i < requestsIn(text); i++) {
        const body =
          "HTTP/1.1 410 Gone\r\nX-Amzn-ErrorType: GoneException\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n";
        // Dribbled out in 7-byte pieces.
        for (let at = 0; at < body.length; at += 7) socket.write(body.slice(at, at + 7));
      }
    });
    const pipeline = pipelineTo(origin);

    const [first, second] = await Promise.all([
      pipeline.request("GET", "/a", {}, undefined, 5000),
      pipeline.request("GET", "/b", {}, undefined, 5000),
    ]);

    for (const response of [first, second]) {
      expect(response).toMatchObject({ status: 410, headers: { "x-amzn-errortype": "GoneException" } });
      expect(response?.body.toString()).toBe("hello world");
    }
  });

  it("sends again what was pipelined behind a response that closed the connection", async () => {
    const { origin, sockets } = await rawServer((socket, text) => {
      // Answers only the first request of each connection, then closes it.
      if (requestsIn(text) > 0)
        socket.end(
          `HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n${/GET (\S+)/.exec(text)?.[1]?.slice(1, 3)}`,
        );
    });
    const pipeline = pipelineTo(origin, { connections: 1, depth: 10 });

    const responses = await Promise.all(
      ["/r1", "/r2", "/r3", "/r4"].map((path) => pipeline.request("GET", path, {}, undefined, 5000)),
    );

    expect(responses.map((r) => r.body.toString())).toEqual(["r1", "r2", "r3", "r4"]);
    expect(sockets.length).toBe(4);
  });

  it("fails only the request at the head when the connection drops; the rest are sent again", async () => {
    let connections = 0;
    const { origin } = await rawServer((socket, text, connection) => {
      connections = Math.max(connections, connection + 1);
      if (connection === 0) return void socket.destroy(); // reset without answering
      for (let i = 0; i < requestsIn(text); i++) socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    });
    const pipeline = pipelineTo(origin, { connections: 1, depth: 10 });

    const outcomes = await Promise.allSettled(
      ["/1", "/2", "/3"].map((path) => pipeline.request("GET", path, {}, undefined, 5000)),
    );

    expect(outcomes[0]).toMatchObject({ status: "rejected", reason: { name: "NetworkingError" } });
    expect(outcomes.slice(1).map((o) => o.status)).toEqual(["fulfilled", "fulfilled"]);
    expect(connections).toBe(2);
  });

  it("times out a connection that never answers, with the error the SDK would name", async () => {
    const { origin } = await rawServer(() => undefined);
    const pipeline = pipelineTo(origin);

    await expect(pipeline.request("GET", "/", {}, undefined, 100)).rejects.toMatchObject({
      name: "TimeoutError",
      code: "ETIMEDOUT",
    });
  });

  it("refuses a malformed response and reports a refused connection", async () => {
    const { origin } = await rawServer((socket) => socket.write("SPDY/9 nope\r\n\r\n"));
    await expect(pipelineTo(origin).request("GET", "/", {}, undefined, 5000)).rejects.toMatchObject({
      code: "HPE_INVALID_CONSTANT",
    });

    const closed = createNetServer();
    const unused = await listen(closed);
    closed.close();
    await expect(pipelineTo(unused).request("GET", "/", {}, undefined, 5000)).rejects.toMatchObject({
      code: "ECONNREFUSED",
    });
  });
});
