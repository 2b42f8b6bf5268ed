// HTTPS servers that answer `@connections` posts the ways a real server may, for
// tls-servers.test.ts. They run in a worker thread so that they keep running (and keep closing
// idle sockets) while the test blocks the client's event loop, as a Lambda freeze does.
// Every server counts how often it executed each post (by its body) and answers 200.
//
//   in-order    reads one request at a time, answers it, then reads the next; closes the
//               connection after every `closeAfter` responses (the last one says Connection: close)
//   concurrent  node:https: pipelined requests are executed as they are parsed and answered
//               after a random delay of up to 2 ms; every `closeAfter`-th response closes
//               ("concurrent-100": every 100th)
//   idle        answers in order, and closes a connection idle for `idleMs` (node:https's
//               keep-alive timeout runs a second late, hence a server of our own)
import { createServer as createHttpsServer } from "node:https";
import { createServer as createTlsServer } from "node:tls";
import { parentPort, workerData } from "node:worker_threads";

const { key, cert, closeAfter, idleMs } = workerData;
const executions = new Map();
const execute = (body) => executions.set(body, (executions.get(body) ?? 0) + 1);

/** A TLS server that reads one request at a time, executes it and answers; `answer` says whether to close after it. */
function sequentialServer(o) {
  return createTlsServer({ key, cert, ALPNProtocols: ["http/1.1"] }, (socket) => {
    let buffer = Buffer.alloc(0);
    let answered = 0;
    let closed = false;
    socket.on("error", () => undefined);
    if (o.idleMs) {
      socket.setTimeout(o.idleMs);
      socket.on("timeout", () => {
        closed = true;
        socket.end();
      });
    }
    socket.on("data", (data) => {
      if (closed) return;
      buffer = Buffer.concat([buffer, data]);
      for (;;) {
        const end = buffer.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = buffer.toString("latin1", 0, end);
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffer.length < end + 4 + length) return;
        const body = buffer.toString("utf8", end + 4, end + 4 + length);
        buffer = buffer.subarray(end + 4 + length);
        execute(body);
        answered += 1;
        const last = o.closeAfter !== undefined && answered % o.closeAfter === 0;
        socket.write(`HTTP/1.1 200 OK\r\ncontent-length: 0\r\n${last ? "connection: close\r\n" : ""}\r\n`);
        if (last) {
          // Whatever else was sent on this connection is not read: it was never executed.
          closed = true;
          socket.end();
          return;
        }
      }
    });
  });
}

function concurrentServer(closeAfter) {
  const answeredOn = new WeakMap();
  return createHttpsServer({ key, cert }, (request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      execute(Buffer.concat(chunks).toString("utf8"));
      const answered = (answeredOn.get(request.socket) ?? 0) + 1;
      answeredOn.set(request.socket, answered);
      if (answered % closeAfter === 0) response.setHeader("connection", "close");
      setTimeout(() => response.end(), Math.random() * 2);
    });
  });
}

const servers = {
  "in-order": sequentialServer({ closeAfter }),
  concurrent: concurrentServer(closeAfter),
  "concurrent-100": concurrentServer(100),
  idle: sequentialServer({ idleMs }),
};
const ports = {};
await Promise.all(
  Object.entries(servers).map(
    ([name, server]) =>
      new Promise((resolve) =>
        server.listen(0, "127.0.0.1", () => {
          ports[name] = server.address().port;
          resolve();
        }),
      ),
  ),
);
parentPort.postMessage({ ports });
parentPort.on("message", (message) => {
  if (message === "executions") {
    parentPort.postMessage({ executions: [...executions] });
    executions.clear();
  } else if (message === "stop") {
    for (const server of Object.values(servers)) {
      server.close();
      server.closeAllConnections?.();
    }
    parentPort.close();
  }
});
