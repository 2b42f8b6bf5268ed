/**
 * What the local gateway spends per `@connections` PostToConnection, without sockets or the
 * other side's CPU: `npx tsx packages/local/test/management-bench.ts [requests] [runs]`.
 *
 * The requests are what a fan-out sends: signed by the app's own signer (the lean client's
 * headers), one frame posted to 1000 connections per round, a round per second (so 1000 posts
 * share an `x-amz-date`), connection ids in API Gateway's base64 format (they need escaping).
 * Three levels, each the median µs per request over the runs:
 *   verify     — verifySigV4 on the headers the pipelined server hands over;
 *   handle     — ManagementApi.handle (route, verify, the frame to a fake socket, the reply);
 *   connection — the pipelined server cutting the requests out of 64 KiB reads, handling them
 *                and serializing the replies (socket writes are no-ops);
 *   framing    — the same with a stub for the API: the HTTP server's own share.
 */
import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { SigV4Signer } from "@live-orders/core/sigv4-signer";
import type { WebSocket } from "ws";
import { ConnectionRegistry } from "../src/gateway/connections";
import { GatewayCounters } from "../src/gateway/counters";
import { newConnectionId } from "../src/gateway/ids";
import { createManagementApi, type ManagementApi } from "../src/gateway/management-api";
import { serveManagementConnection } from "../src/gateway/management-connection";
import { verifySigV4 } from "../src/gateway/sigv4";

const requests = Number(process.argv[2] ?? 20_000);
const runs = Number(process.argv[3] ?? 9);
const subscribers = 1000;
const region = "us-east-1";
const host = "127.0.0.1:3001";
const credentials = [{ accessKeyId: "local", secretAccessKey: "local" }];
const escapeUri = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const registry = new ConnectionRegistry();
const ids = Array.from({ length: subscribers }, () => newConnectionId());
const fakeSocket = { readyState: 1, OPEN: 1, bufferedAmount: 0, send: () => undefined } as unknown as WebSocket;
for (const id of ids) {
  registry.add({
    id,
    socket: fakeSocket,
    connectedAt: Date.now(),
    lastActiveAt: Date.now(),
    sourceIp: "127.0.0.1",
    userAgent: "bench",
    domainName: host,
    authorizer: undefined,
    timers: {} as never,
    messagesReceived: 0,
  });
}
const counters = new GatewayCounters();
const api = createManagementApi({
  stage: "local",
  connections: registry,
  disconnect: () => undefined,
  overflowed: () => undefined,
  log: console.log,
  credentials,
  region,
  counters,
});

interface Prepared {
  target: string;
  headers: Record<string, string>;
  body: Buffer;
  wire: Buffer;
}

async function prepare(): Promise<Prepared[]> {
  const signer = new SigV4Signer(async () => credentials[0] as never, region, "execute-api");
  const start = Date.now() - 10_000;
  const out: Prepared[] = [];
  for (let i = 0; i < requests; i++) {
    const round = Math.floor(i / subscribers);
    const body = Buffer.from(
      JSON.stringify({ type: "order", orderId: "o-1", seq: round, status: "PREPARING", at: start + round * 1000 }),
    );
    const target = `/local/@connections/${escapeUri(ids[i % subscribers] as string)}`;
    const signed = await signer.sign(
      {
        method: "POST",
        path: target,
        headers: { host, "content-type": "application/octet-stream", "content-length": String(body.length) },
        body,
      },
      new Date(start + round * 1000),
    );
    let head = `POST ${target} HTTP/1.1\r\n`;
    const headers: Record<string, string> = {};
    for (const name in signed) {
      head += `${name}: ${signed[name]}\r\n`;
      headers[name.toLowerCase()] = signed[name] as string;
    }
    out.push({ target, headers, body, wire: Buffer.concat([Buffer.from(`${head}\r\n`, "latin1"), body]) });
  }
  return out;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function time(run: () => void): number {
  const at = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - at) / 1000 / requests;
}

const prepared = await prepare();
const options = { credentials, region, service: "execute-api" };

const verify = () => {
  for (const r of prepared) verifySigV4({ method: "POST", url: r.target, headers: r.headers, body: r.body }, options);
};
const handle = () => {
  for (const r of prepared) {
    const reply = api.handle({ method: "POST", target: r.target, headers: r.headers, body: r.body });
    if (reply.status !== 200) throw new Error(`${reply.status} ${reply.body}`);
  }
};
// The stream as 64 KiB reads, cut wherever they fall (as a socket delivers a pipelined burst).
const stream = Buffer.concat(prepared.map((r) => r.wire));
const reads: Buffer[] = [];
for (let at = 0; at < stream.length; at += 64 * 1024) reads.push(stream.subarray(at, at + 64 * 1024));
const serve = (through: ManagementApi) => {
  const socket = new EventEmitter() as EventEmitter & Record<string, unknown>;
  let written = 0;
  Object.assign(socket, {
    setNoDelay: () => undefined,
    setTimeout: () => undefined,
    write: (text: string) => {
      written += text.length;
      return true;
    },
    end: () => undefined,
  });
  counters.reset();
  serveManagementConnection(socket as unknown as Socket, through, { keepAliveMs: 60_000 });
  for (const read of reads) socket.emit("data", read);
  const posted = through === api ? counters.snapshot([]).management["POST 200"] : requests;
  if (posted !== requests || written === 0) throw new Error(`answered ${posted} of ${requests}`);
};
const connection = () => serve(api);
// The HTTP framing alone: the same stream, answered by a stub.
const stub: ManagementApi = {
  handle: () => ({ status: 200, headers: { "x-amzn-RequestId": "L0SM9cOFvHcCIhw=" }, body: "" }),
  refuseUnread: () => {
    throw new Error("not in this stream");
  },
  handleNodeRequest: async () => undefined,
};
const framing = () => serve(stub);

const levels = { verify, handle, connection, framing };
for (const run of Object.values(levels)) run(); // warm-up
const results: Record<string, number[]> = { verify: [], handle: [], connection: [], framing: [] };
for (let i = 0; i < runs; i++) for (const [name, run] of Object.entries(levels)) results[name]?.push(time(run));
for (const [name, values] of Object.entries(results)) {
  console.log(
    `${name.padEnd(10)} median ${median(values).toFixed(2)} min ${Math.min(...values).toFixed(2)} µs/request  (runs: ${values.map((v) => v.toFixed(2)).join(" ")})`,
  );
}
