import { CreateUserPoolClientCommand, InitiateAuthCommand } from "@aws-sdk/client-cognito-identity-provider";
import type { Order } from "@live-orders/core/protocol";
import { localCognitoClient } from "@live-orders/local/clients";
import { ensureUserPool } from "@live-orders/local/cognito/user-pool";
import { signIn } from "@live-orders/local/stack/sign-in";
import { type AppStack, startAppStack } from "@live-orders/local/testing/app-stack";
import { DEMO_PASSWORD, demoUsers } from "@live-orders/local/testing/demo-users";
import { responseOf } from "@live-orders/local/testing/http";
import { runEmulators } from "@live-orders/local/testing/run-emulators";
import { sampleOrder } from "@live-orders/local/testing/sample-order";
import { scanItems } from "@live-orders/local/testing/table";
import { issueTicket, withTicket } from "@live-orders/local/testing/tickets";
import { decodeJwt, forge, resign } from "@live-orders/local/testing/tokens";
import { createOrdersApi } from "@live-orders/web/realtime/orders-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestSocket } from "./clients";

let stack: AppStack;
const ordersApiOf = (email: string, fetch?: typeof globalThis.fetch) =>
  createOrdersApi({ ...stack.clientOptions(email), fetch });
let alice: string;
let bob: string;
let staff: string;

beforeAll(async () => {
  stack = await startAppStack(runEmulators());
  [alice, bob, staff] = await Promise.all([
    stack.token("alice@example.com"),
    stack.token("bob@example.com"),
    stack.token("staff@example.com"),
  ]);
});
afterAll(async () => {
  await stack?.stop();
});

/**
 * Connecting as the web app does: a ticket for the token (`POST /realtime/tickets`), then the
 * upgrade. A token the ticket endpoint refuses yields that refusal's status; else the upgrade's.
 */
async function connectStatus(token: string): Promise<number> {
  const response = await fetch(`${stack.outputs.api}/realtime/tickets`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
  });
  if (response.status !== 201) return response.status;
  const { ticket } = (await response.json()) as { ticket: string };
  return TestSocket.upgradeStatus(withTicket(stack.outputs, ticket));
}

const cognito = () => localCognitoClient(stack.outputs.cognitoEndpoint);
const connections = async () => (await scanItems(stack.outputs)).filter((item) => item.entity === "connection");

describe("WebSocket $connect authorization", () => {
  it("upgrades with a fresh ticket of a valid access token", async () => {
    expect(await connectStatus(alice)).toBe(101);
  });

  it("refuses a missing, empty, unknown or made-up ticket, and a token in its place, with 401 and stores nothing", async () => {
    // Earlier tests' sockets are closed; wait for their $disconnect cleanup to settle.
    await expect.poll(connections, { timeout: 5000 }).toEqual([]);
    expect(await TestSocket.upgradeStatus(stack.outputs.ws)).toBe(401);
    expect(await TestSocket.upgradeStatus(withTicket(stack.outputs, ""))).toBe(401);
    expect(await TestSocket.upgradeStatus(withTicket(stack.outputs, "A".repeat(43)))).toBe(401);
    expect(await TestSocket.upgradeStatus(withTicket(stack.outputs, alice))).toBe(401);
    expect(await TestSocket.upgradeStatus(`${stack.outputs.ws}?token=${encodeURIComponent(alice)}`)).toBe(401);
    expect(await connections()).toEqual([]);
  });

  it("lets a ticket connect once: a second use is refused with 401", async () => {
    const { ticket } = await issueTicket(stack.outputs, alice);
    expect(await TestSocket.upgradeStatus(withTicket(stack.outputs, ticket))).toBe(101);
    expect(await TestSocket.upgradeStatus(withTicket(stack.outputs, ticket))).toBe(401);
  });

  it("refuses a browser of another origin with 403, and admits one of the app's (none here: no web app)", async () => {
    const { ticket } = await issueTicket(stack.outputs, alice);
    expect(await TestSocket.upgradeStatus(withTicket(stack.outputs, ticket), "https://evil.example")).toBe(403);
    // The refused origin did not spend the ticket: the same ticket works without a browser's Origin.
    expect(await TestSocket.upgradeStatus(withTicket(stack.outputs, ticket))).toBe(101);
  });

  it("issues no ticket for a forged token (right claims, wrong key) or garbage: 401", async () => {
    expect(await connectStatus(forge(alice))).toBe(401);
    expect(await connectStatus(forge(alice, (p) => ({ ...p, "cognito:groups": ["staff"] })))).toBe(401);
    expect(await connectStatus("not.a.jwt")).toBe(401);
  });

  it("issues no ticket for an expired token even when its signature is valid", async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = resign(alice, (p) => ({ ...p, iat: now - 7200, auth_time: now - 7200, exp: now - 60 }));
    expect(await connectStatus(expired)).toBe(401);
    // Control: the same re-signing with a future exp is accepted, so only `exp` made the difference.
    expect(await connectStatus(resign(alice, (p) => ({ ...p, exp: now + 600 })))).toBe(101);
  });

  it("issues no ticket for a token of another user pool (same cognito-local, same signing key): 401", async () => {
    const other = await ensureUserPool({
      endpoint: stack.outputs.cognitoEndpoint,
      poolName: `other-${Date.now()}`,
      users: demoUsers,
    });
    const token = await signIn(
      stack.outputs.cognitoEndpoint,
      other.userPoolClientId,
      "alice@example.com",
      DEMO_PASSWORD,
    );
    expect(decodeJwt(token).payload.iss).toBe(other.issuer);
    expect(await connectStatus(token)).toBe(401);
  });

  it("issues no ticket for a token of another client of the same pool (401) or for an id token (401)", async () => {
    const client = cognito();
    try {
      const created = await client.send(
        new CreateUserPoolClientCommand({
          UserPoolId: stack.pool.userPoolId,
          ClientName: "other-client",
          ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        }),
      );
      const otherClientToken = await signIn(
        stack.outputs.cognitoEndpoint,
        created.UserPoolClient!.ClientId!,
        "alice@example.com",
        DEMO_PASSWORD,
      );
      expect(await connectStatus(otherClientToken)).toBe(401);
      const auth = await client.send(
        new InitiateAuthCommand({
          AuthFlow: "USER_PASSWORD_AUTH",
          ClientId: stack.pool.userPoolClientId,
          AuthParameters: { USERNAME: "alice@example.com", PASSWORD: DEMO_PASSWORD },
        }),
      );
      expect(await connectStatus(auth.AuthenticationResult!.IdToken!)).toBe(401);
    } finally {
      client.destroy();
    }
  });
});

describe("REST authorization", () => {
  it("answers 401 without a valid token", async () => {
    expect((await fetch(`${stack.outputs.api}/orders`)).status).toBe(401);
    const forged = forge(alice);
    expect(
      (
        await responseOf((fetch) =>
          createOrdersApi({ apiUrl: stack.outputs.api, getToken: async () => forged, fetch }).listOrders(),
        )
      ).status,
    ).toBe(401);
  });

  it("hides a customer's order from another customer with 404 on every route", async () => {
    const order = await ordersApiOf("alice@example.com").placeOrder(sampleOrder);
    const asBob = (fetch: typeof globalThis.fetch) => ordersApiOf("bob@example.com", fetch);
    for (const response of [
      await responseOf((fetch) => asBob(fetch).getOrder(order.id)),
      await responseOf((fetch) => asBob(fetch).eventsSince(order.id, 0)),
      await responseOf((fetch) => asBob(fetch).cancel(order.id)),
    ]) {
      expect(response).toEqual({ status: 404, body: { code: "NOT_FOUND", message: "order not found" } });
    }
    expect((await ordersApiOf("bob@example.com").listOrders()).orders.map((o: Order) => o.id)).not.toContain(order.id);
    expect((await responseOf((fetch) => ordersApiOf("staff@example.com", fetch).getOrder(order.id))).status).toBe(200);
  });

  it("keeps status changes from customers (403) and order placing from staff (403)", async () => {
    const order = await ordersApiOf("alice@example.com").placeOrder(sampleOrder);
    expect(
      await responseOf((fetch) => ordersApiOf("alice@example.com", fetch).setStatus(order.id, "confirmed", 1)),
    ).toMatchObject({ status: 403, body: { code: "FORBIDDEN" } });
    expect(
      await responseOf((fetch) => ordersApiOf("bob@example.com", fetch).setStatus(order.id, "confirmed", 1)),
    ).toMatchObject({ status: 403, body: { code: "FORBIDDEN" } });
    expect(await responseOf((fetch) => ordersApiOf("staff@example.com", fetch).placeOrder(sampleOrder))).toMatchObject({
      status: 403,
      body: { code: "FORBIDDEN" },
    });
  });
});

describe("WebSocket authorization", () => {
  it("answers a customer subscribing to another's order with NOT_FOUND and to the staff feed with FORBIDDEN", async () => {
    const order = await ordersApiOf("alice@example.com").placeOrder(sampleOrder);
    const socket = await TestSocket.open(stack.outputs, bob);
    expect(await socket.request({ action: "subscribe", topic: `order:${order.id}` })).toMatchObject({
      type: "error",
      code: "NOT_FOUND",
    });
    expect(await socket.request({ action: "subscribe", topic: "orders" })).toMatchObject({
      type: "error",
      code: "FORBIDDEN",
    });
    expect(
      await socket.request({ action: "sendMessage", orderId: order.id, text: "hi", clientMessageId: "bob-1" }),
    ).toMatchObject({ type: "error", code: "NOT_FOUND" });
    // Nothing leaked into the order: still only its creation event.
    expect((await ordersApiOf("alice@example.com").getOrder(order.id)).order.seq).toBe(1);
    await socket.close();
  });

  it("lets staff subscribe to the feed and any order", async () => {
    const order = await ordersApiOf("alice@example.com").placeOrder(sampleOrder);
    const socket = await TestSocket.open(stack.outputs, staff);
    expect(await socket.request({ action: "subscribe", topic: "orders" })).toMatchObject({
      type: "subscribed",
      seq: 0,
    });
    expect(await socket.request({ action: "subscribe", topic: `order:${order.id}` })).toMatchObject({
      type: "subscribed",
      seq: 1,
    });
    await socket.close();
  });
});
