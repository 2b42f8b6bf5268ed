import type { ConnectTicket, Order } from "@live-orders/core/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleOrder } from "../../src/testing/sample-order";
import { type AppTarget, startAppTarget, type UserTokens } from "./app-target";
import { HandshakeRefused, TestClient } from "./ws-client";

/**
 * What the local stack claims for the app itself (SPEC §4, §5), through its public endpoints
 * only: connect tickets, the per-user connection cap, `pong {seqs}`, sign-out closing the
 * user's connections. The same tests run against a deployed stage (app-target.ts).
 */
let app: AppTarget;
let alice: UserTokens;
let bob: UserTokens;
/** Issued when the file starts, tried when it ends: its expiry passes while the others run. */
let staleTicket: ConnectTicket;
beforeAll(async () => {
  app = await startAppTarget();
  [alice, bob] = app.customers;
  staleTicket = await ticketOf(alice);
});
afterAll(() => app?.close());

/** SPEC §4. */
const maxConnectionsPerUser = 10;
const ticketValidityMs = 30_000;
/** How far this machine's clock may be from the API's, for checks of a time the API stamps. */
const clockSkewMs = 2000;

const postTicket = (token?: string) =>
  fetch(`${app.apiUrl}/realtime/tickets`, {
    method: "POST",
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });

async function ticketOf(user: UserTokens): Promise<ConnectTicket> {
  const response = await postTicket(user.accessToken);
  expect(response.status).toBe(201);
  return (await response.json()) as ConnectTicket;
}

async function connect(user: UserTokens, headers: Record<string, string> = {}): Promise<TestClient> {
  return TestClient.connect(app.wsUrl, { ticket: (await ticketOf(user)).ticket }, [], headers);
}

/** The handshake's status: 101 when it connected (the connection is then closed again). */
async function connectStatus(user: UserTokens): Promise<number> {
  try {
    await (await connect(user)).close();
    return 101;
  } catch (error) {
    if (error instanceof HandshakeRefused) return error.statusCode;
    throw error;
  }
}

/** Sends a frame with an `id` and returns the reply that echoes it. */
async function request(client: TestClient, frame: Record<string, unknown>): Promise<Record<string, any>> {
  const id = `${frame.action}-${Math.random().toString(36).slice(2)}`;
  client.send({ ...frame, id });
  return client.next((reply) => reply?.id === id);
}

async function placeOrder(user: UserTokens): Promise<Order> {
  const response = await fetch(`${app.apiUrl}/orders`, {
    method: "POST",
    headers: { authorization: `Bearer ${user.accessToken}`, "content-type": "application/json" },
    body: JSON.stringify(sampleOrder),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as Order;
}

const closeAll = (clients: TestClient[]) => Promise.all(clients.map((client) => client.close()));

describe("sign-out (DELETE /realtime/connections)", () => {
  // First in the file: the user holds no connection of an earlier test that is still closing.
  it("closes every connection of the caller and none of another user's", async () => {
    const mine = [await connect(alice), await connect(alice)];
    const theirs = await connect(bob);

    const response = await fetch(`${app.apiUrl}/realtime/connections`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${alice.accessToken}` },
    });
    const closed = await Promise.all(mine.map((client) => client.closed));

    expect([response.status, await response.json()]).toEqual([200, { closed: 2 }]);
    expect(closed.map(({ code }) => code)).toEqual([1000, 1000]);
    expect(await request(theirs, { action: "ping" })).toMatchObject({ type: "pong" });
    await theirs.close();
  });
});

describe("connect tickets", () => {
  it("issues an opaque ticket of at least 128 bits, valid for at most 30 s", async () => {
    const asked = Date.now();

    const { ticket, expiresAt } = await ticketOf(alice);

    // 128 bits are at least 22 characters of base64url.
    expect(ticket).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(Date.parse(expiresAt)).toBeGreaterThan(asked - clockSkewMs);
    expect(Date.parse(expiresAt)).toBeLessThanOrEqual(Date.now() + ticketValidityMs + clockSkewMs);
  });

  it("issues none without a token or for an ID token: 401", async () => {
    const statuses = [(await postTicket()).status, (await postTicket(alice.idToken)).status];

    expect(statuses).toEqual([401, 401]);
  });

  it("connects once: a second upgrade with the same ticket is refused with 401", async () => {
    const { ticket } = await ticketOf(alice);

    const client = await TestClient.connect(app.wsUrl, { ticket });
    const again = await TestClient.refusal(app.wsUrl, { ticket });

    expect(client.socket.readyState).toBe(client.socket.OPEN);
    expect(again).toBe(401);
    await client.close();
  });

  it("refuses an upgrade without a ticket, with an empty or unknown one, or with a token in its place: 401", async () => {
    const statuses = [
      await TestClient.refusal(app.wsUrl),
      await TestClient.refusal(app.wsUrl, { ticket: "" }),
      await TestClient.refusal(app.wsUrl, { ticket: "A".repeat(43) }),
      await TestClient.refusal(app.wsUrl, { ticket: alice.accessToken }),
      await TestClient.refusal(app.wsUrl, { token: alice.accessToken }),
    ];

    expect(statuses).toEqual([401, 401, 401, 401, 401]);
  });

  it("refuses a browser of another origin with 403 without spending the ticket; the app's origin connects", async () => {
    const { ticket } = await ticketOf(alice);

    const foreign = await TestClient.refusal(app.wsUrl, { ticket }, { Origin: "https://evil.example" });
    const own = await TestClient.connect(app.wsUrl, { ticket }, [], { Origin: app.webOrigin });

    expect(foreign).toBe(403);
    expect(own.socket.readyState).toBe(own.socket.OPEN);
    await own.close();
  });
});

describe("the per-user connection cap", () => {
  it(`holds ${maxConnectionsPerUser} live connections of a user and refuses the next upgrade with 429; another user still connects`, async () => {
    const held: TestClient[] = [];
    for (let i = 0; i < maxConnectionsPerUser; i++) held.push(await connect(alice));

    const next = await connectStatus(alice);
    const other = await connect(bob);

    expect(next).toBe(429);
    expect(other.socket.readyState).toBe(other.socket.OPEN);
    await closeAll([...held, other]);
  });

  it("gives a closed connection's slot to the next connect", async () => {
    const held: TestClient[] = [];
    for (let i = 0; i < maxConnectionsPerUser; i++) held.push(await connect(alice));
    expect(await connectStatus(alice)).toBe(429);

    await held.pop()?.close();
    // Its close reaches the API a moment after the client's own: a poll, each round a new ticket.
    await expect.poll(() => connectStatus(alice), { timeout: 5000, interval: 200 }).toBe(101);

    await closeAll(held);
  });
});

describe("ping → pong {seqs}", () => {
  it("holds the current seq of every order: topic the connection holds, and no feed", async () => {
    const order = await placeOrder(alice);
    const client = await connect(alice);
    const topic = `order:${order.id}`;
    await request(client, { action: "subscribe", topic });
    await request(client, { action: "subscribe", topic: `customer:${order.customerId}` });

    const pong = await request(client, { action: "ping" });

    expect(pong).toEqual({ type: "pong", id: pong.id, seqs: { [topic]: order.seq } });
    await client.close();
  });

  it("follows the order's seq as events are written, and forgets a topic once unsubscribed", async () => {
    const order = await placeOrder(alice);
    const client = await connect(alice);
    const topic = `order:${order.id}`;
    await request(client, { action: "subscribe", topic });

    const cancelled = await fetch(`${app.apiUrl}/orders/${order.id}/cancel`, {
      method: "POST",
      headers: { authorization: `Bearer ${alice.accessToken}` },
    });
    expect(cancelled.status).toBe(200);
    const { seq } = (await cancelled.json()) as Order;
    // pong reads seqs eventually consistently: a poll, not one ping.
    await expect
      .poll(async () => (await request(client, { action: "ping" })).seqs, { timeout: 5000, interval: 200 })
      .toEqual({ [topic]: seq });
    await request(client, { action: "unsubscribe", topic });
    const after = await request(client, { action: "ping" });

    expect(seq).toBe(order.seq + 1);
    expect(after.seqs).toEqual({});
    await client.close();
  });
});

describe("connect tickets, expiry", () => {
  // Last in the file: the ticket was issued when the file started.
  it(
    "refuses a ticket past its expiry with 401",
    async () => {
      const wait = Date.parse(staleTicket.expiresAt) + clockSkewMs - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));

      const status = await TestClient.refusal(app.wsUrl, { ticket: staleTicket.ticket });

      expect(status).toBe(401);
    },
    ticketValidityMs * 2,
  );
});
