/**
 * The benchmark's WebSocket clients, in their own process so that receiving does not compete
 * with the servers being measured for one event loop (both the stack and the bare `ws` baseline
 * are measured the same way: servers in the bench process, clients here).
 *
 * Driven over IPC (`process.send`): open sockets in named groups, subscribe them, and "arm" a
 * range of them with a marker: the time (epoch ms, sub-ms precision, comparable across
 * processes on one machine) at which each socket receives its `count`-th frame containing the
 * marker is reported back.
 */
import { connectUrl } from "@live-orders/local/testing/tickets";
import WebSocket from "ws";
import type { BenchUsers, FleetReply, FleetRequest } from "./fleet-protocol";

interface Armed {
  id: number;
  marker: Buffer;
  count: number;
  seen: number;
  remaining: { value: number };
  times: number[];
  index: number;
  sample: { text?: string };
  done: () => void;
}

interface Client {
  socket: WebSocket;
  armed?: Armed;
  replies: Map<string, (frame: Record<string, unknown>) => void>;
}

const groups = new Map<string, Client[]>();
const now = () => performance.timeOrigin + performance.now();
const reply = (message: FleetReply) => process.send?.(message);

function open(url: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    const client: Client = { socket, replies: new Map() };
    socket.on("message", (data: Buffer) => {
      const armed = client.armed;
      if (armed && data.includes(armed.marker)) {
        armed.seen += 1;
        armed.sample.text ??= data.toString("utf8");
        if (armed.seen === armed.count) {
          armed.times[armed.index] = now();
          client.armed = undefined;
          if (--armed.remaining.value === 0) armed.done();
        }
        return;
      }
      if (client.replies.size > 0) {
        const frame = JSON.parse(data.toString("utf8")) as Record<string, unknown>;
        const id = typeof frame.id === "string" ? frame.id : undefined;
        const waiter = id === undefined ? undefined : client.replies.get(id);
        if (id !== undefined && waiter) {
          client.replies.delete(id);
          waiter(frame);
        }
      }
    });
    socket.once("open", () => resolve(client));
    socket.once("unexpected-response", (_request, response) => {
      socket.terminate();
      reject(new Error(`upgrade refused: ${response.statusCode}`));
    });
    socket.once("error", reject);
  });
}

async function bounded<T>(
  count: number,
  concurrency: number,
  work: (index: number) => Promise<T>,
): Promise<PromiseSettledResult<T>[]> {
  const results: PromiseSettledResult<T>[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const index = next++;
        try {
          results[index] = { status: "fulfilled", value: await work(index) };
        } catch (reason) {
          results[index] = { status: "rejected", reason };
        }
      }
    }),
  );
  return results;
}

function request(client: Client, frame: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown>> {
  const id = `${frame.action}-${Math.random().toString(36).slice(2)}`;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.replies.delete(id);
      reject(new Error(`no reply to ${frame.action} within ${timeoutMs} ms`));
    }, timeoutMs);
    client.replies.set(id, (answer) => {
      clearTimeout(timer);
      resolve(answer);
    });
    client.socket.send(JSON.stringify({ ...frame, id }));
  });
}

/** Open stack sockets per access token, and where the next connect starts looking for a free user. */
const openPerToken = new Map<string, number>();
let nextUser = 0;

/**
 * A user with a free connection slot, least recently picked first: a socket just closed frees
 * its slot only once the stack's `$disconnect` has run, so its user is the last one reused.
 */
function takeUser(users: BenchUsers): string {
  for (let tried = 0; tried < users.accessTokens.length; tried++) {
    const token = users.accessTokens[nextUser++ % users.accessTokens.length] as string;
    const open = openPerToken.get(token) ?? 0;
    if (open < users.perUser) {
      openPerToken.set(token, open + 1);
      return token;
    }
  }
  throw new Error(`all ${users.accessTokens.length} bench users hold ${users.perUser} connections: make more users`);
}

const releaseUser = (token: string) => openPerToken.set(token, (openPerToken.get(token) ?? 1) - 1);

/** A stack socket: a fresh connect ticket from `POST /realtime/tickets` (SPEC §4) for a user with a free slot. */
async function openAsUser(url: string, users: BenchUsers): Promise<Client> {
  const token = takeUser(users);
  try {
    const client = await open(await connectUrl({ api: users.apiUrl, ws: url }, token));
    client.socket.once("close", () => releaseUser(token));
    return client;
  } catch (error) {
    releaseUser(token);
    throw error;
  }
}

async function handle(message: FleetRequest): Promise<FleetReply> {
  switch (message.op) {
    case "connect": {
      const group = groups.get(message.group) ?? [];
      groups.set(message.group, group);
      const started = now();
      const results = await bounded(message.count, message.concurrency, async () =>
        message.tickets === undefined ? open(message.url) : openAsUser(message.url, message.tickets),
      );
      let failed = 0;
      let firstError: string | undefined;
      for (const result of results) {
        if (result.status === "fulfilled") group.push(result.value);
        else {
          failed += 1;
          firstError ??= String((result.reason as Error)?.message ?? result.reason);
        }
      }
      return {
        op: "connected",
        ref: message.ref,
        opened: message.count - failed,
        failed,
        firstError,
        ms: now() - started,
        total: group.length,
      };
    }
    case "request": {
      const group = groups.get(message.group) ?? [];
      const clients = group.slice(message.from, message.to);
      const results = await bounded(clients.length, message.concurrency, (index) =>
        request(clients[index] as Client, message.frame, message.timeoutMs),
      );
      const types = new Map<string, number>();
      for (const result of results) {
        const key = result.status === "fulfilled" ? String(result.value.type ?? "?") : "timeout";
        types.set(key, (types.get(key) ?? 0) + 1);
      }
      return { op: "replied", ref: message.ref, types: Object.fromEntries(types) };
    }
    case "arm": {
      const clients = (groups.get(message.group) ?? []).slice(message.from, message.to);
      const times: number[] = new Array(clients.length).fill(Number.NaN);
      const sample: { text?: string } = {};
      const remaining = { value: clients.length };
      let finish: () => void = () => undefined;
      const finished = new Promise<void>((resolve) => {
        finish = resolve;
      });
      clients.forEach((client, index) => {
        client.armed = {
          id: message.ref,
          marker: Buffer.from(message.marker),
          count: message.count,
          seen: 0,
          remaining,
          times,
          index,
          sample,
          done: finish,
        };
      });
      reply({ op: "armed", ref: message.ref });
      const timer = setTimeout(finish, message.timeoutMs);
      await finished;
      clearTimeout(timer);
      for (const client of clients) client.armed = undefined;
      return { op: "received", ref: message.ref, times, sample: sample.text };
    }
    case "kill": {
      const group = groups.get(message.group) ?? [];
      for (const client of group.splice(0, message.count ?? group.length)) client.socket.terminate();
      return { op: "killed", ref: message.ref };
    }
    case "stats": {
      let open = 0;
      for (const group of groups.values())
        for (const client of group) if (client.socket.readyState === WebSocket.OPEN) open += 1;
      return { op: "stats", ref: message.ref, open, rssBytes: process.memoryUsage().rss };
    }
  }
}

process.on("message", (message: FleetRequest) => {
  handle(message).then(reply, (error: Error) =>
    reply({ op: "error", ref: message.ref, message: error.stack ?? String(error) }),
  );
});
// The bench process gone (crash, Ctrl-C): no orphaned clients.
process.on("disconnect", () => process.exit(0));
