/**
 * The auth matrix of SPEC §4/§5 as one table: every credential (none, garbage, forged, expired,
 * another pool's, another client's, and the valid ones) against the WebSocket upgrade (through
 * the ticket it would need) and every REST route, plus the rules between valid users (a customer on another's order, a customer on
 * the staff feed or a status change, staff placing orders). The whole observed table is compared
 * with the expected one, so a failure shows every cell that differs at once.
 */
import { CreateUserPoolClientCommand } from "@aws-sdk/client-cognito-identity-provider";
import { localCognitoClient } from "@live-orders/local/clients";
import { ensureUserPool } from "@live-orders/local/cognito/user-pool";
import { signIn } from "@live-orders/local/stack/sign-in";
import { type AppStack, startAppStack } from "@live-orders/local/testing/app-stack";
import { DEMO_PASSWORD, demoUsers } from "@live-orders/local/testing/demo-users";
import { runEmulators } from "@live-orders/local/testing/run-emulators";
import { sampleOrder } from "@live-orders/local/testing/sample-order";
import { connectionItems } from "@live-orders/local/testing/table";
import { connectUrl, withTicket } from "@live-orders/local/testing/tickets";
import { forge, resign } from "@live-orders/local/testing/tokens";
import { createOrdersApi } from "@live-orders/web/realtime/orders-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";

let stack: AppStack;
beforeAll(async () => {
  stack = await startAppStack(runEmulators());
});
afterAll(() => stack?.stop());

/**
 * Connecting as the web app does: a ticket for the credential, then the upgrade with it. A
 * credential the ticket endpoint refuses yields that refusal's status; no credential at all, an
 * upgrade without a ticket. 101 when accepted.
 */
async function upgrade(token: string | undefined): Promise<number> {
  if (token === undefined) return upgradeTo(stack.outputs.ws);
  const response = await fetch(`${stack.outputs.api}/realtime/tickets`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
  });
  if (response.status !== 201) return response.status;
  const { ticket } = (await response.json()) as { ticket: string };
  return upgradeTo(withTicket(stack.outputs, ticket));
}

function upgradeTo(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once("open", () => {
      socket.close();
      resolve(101);
    });
    socket.once("unexpected-response", (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once("error", reject);
  });
}

async function restStatus(token: string | undefined, method: string, path: string, body?: unknown): Promise<string> {
  const response = await fetch(`${stack.outputs.api}${path}`, {
    method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      "content-type": "application/json",
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const code = text.startsWith("{") ? (JSON.parse(text) as { code?: string }).code : undefined;
  return code ? `${response.status} ${code}` : String(response.status);
}

/** One frame's reply type (or error code) on a connection of `token`. */
async function frameOutcome(token: string, frame: Record<string, unknown>): Promise<string> {
  const socket = new WebSocket(await connectUrl(stack.outputs, token));
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  const reply = new Promise<Record<string, unknown>>((resolve) =>
    socket.on("message", (data) => {
      const parsed = JSON.parse(String(data)) as Record<string, unknown>;
      if (parsed.id === "q") resolve(parsed);
    }),
  );
  socket.send(JSON.stringify({ ...frame, id: "q" }));
  const answer = await reply;
  socket.close();
  return answer.type === "error" ? `error ${answer.code}` : String(answer.type);
}

const connectionCount = async () => (await connectionItems(stack.outputs)).length;

describe("auth matrix", () => {
  it("refuses every bad credential on every entry point and enforces who may see and change what", async () => {
    // Prepare: the valid tokens, then the bad ones made from them.
    const [alice, bob, staff] = (await Promise.all(
      ["alice@example.com", "bob@example.com", "staff@example.com"].map((email) => stack.token(email)),
    )) as [string, string, string];
    const { cognitoEndpoint } = stack.outputs;
    const otherPool = await ensureUserPool({
      endpoint: cognitoEndpoint,
      poolName: `other-${Date.now()}`,
      users: demoUsers,
    });
    const cognito = localCognitoClient(cognitoEndpoint);
    const otherClient = await cognito.send(
      new CreateUserPoolClientCommand({
        UserPoolId: stack.pool.userPoolId,
        ClientName: "other-client",
        ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
      }),
    );
    cognito.destroy();
    const now = Math.floor(Date.now() / 1000);
    const credentials: Record<string, string | undefined> = {
      none: undefined,
      garbage: "not.a.jwt",
      forged: forge(staff),
      expired: resign(staff, (payload) => ({ ...payload, iat: now - 7200, exp: now - 3600 })),
      otherPool: await signIn(cognitoEndpoint, otherPool.userPoolClientId, "staff@example.com", DEMO_PASSWORD),
      otherClient: await signIn(
        cognitoEndpoint,
        otherClient.UserPoolClient?.ClientId as string,
        "staff@example.com",
        DEMO_PASSWORD,
      ),
    };
    const aliceOrder = await createOrdersApi(stack.clientOptions("alice@example.com")).placeOrder(sampleOrder);
    const connectionsBefore = await connectionCount();

    const routes = (id: string) =>
      [
        ["POST /orders", "POST", "/orders", sampleOrder],
        ["GET /orders", "GET", "/orders", undefined],
        ["GET /orders/{id}", "GET", `/orders/${id}`, undefined],
        ["GET /orders/{id}/events", "GET", `/orders/${id}/events?since=0`, undefined],
        ["PATCH /orders/{id}/status", "PATCH", `/orders/${id}/status`, { status: "confirmed", version: 1 }],
        ["POST /orders/{id}/cancel", "POST", `/orders/${id}/cancel`, {}],
        ["GET /menu", "GET", "/menu", undefined],
        ["POST /realtime/tickets", "POST", "/realtime/tickets", undefined],
        ["DELETE /realtime/connections", "DELETE", "/realtime/connections", undefined],
      ] as const;

    // Act: every bad credential against every entry point.
    const observed: Record<string, string> = {};
    const expected: Record<string, string> = {};
    for (const [name, token] of Object.entries(credentials)) {
      observed[`${name} × WS $connect`] = String(await upgrade(token));
      expected[`${name} × WS $connect`] = "401";
      for (const [route, method, path, body] of routes(aliceOrder.id)) {
        observed[`${name} × ${route}`] = await restStatus(token, method, path, body);
        expected[`${name} × ${route}`] = "401";
      }
    }
    const connectionsAfterRefusals = await connectionCount();

    // Act: valid users, each where they may and may not go (read-only calls first).
    const rules: [string, () => Promise<string>, string][] = [
      ["alice × WS $connect", async () => String(await upgrade(alice)), "101"],
      ["staff × WS $connect", async () => String(await upgrade(staff)), "101"],
      ["alice × GET own order", () => restStatus(alice, "GET", `/orders/${aliceOrder.id}`), "200"],
      ["bob × GET alice's order", () => restStatus(bob, "GET", `/orders/${aliceOrder.id}`), "404 NOT_FOUND"],
      [
        "bob × GET alice's events",
        () => restStatus(bob, "GET", `/orders/${aliceOrder.id}/events?since=0`),
        "404 NOT_FOUND",
      ],
      [
        "bob × cancel alice's order",
        () => restStatus(bob, "POST", `/orders/${aliceOrder.id}/cancel`, {}),
        "404 NOT_FOUND",
      ],
      [
        "bob × status of alice's order",
        () =>
          restStatus(bob, "PATCH", `/orders/${aliceOrder.id}/status`, {
            status: "confirmed",
            version: aliceOrder.version,
          }),
        "403 FORBIDDEN",
      ],
      [
        "alice × status of own order",
        () =>
          restStatus(alice, "PATCH", `/orders/${aliceOrder.id}/status`, {
            status: "confirmed",
            version: aliceOrder.version,
          }),
        "403 FORBIDDEN",
      ],
      ["staff × place an order", () => restStatus(staff, "POST", "/orders", sampleOrder), "403 FORBIDDEN"],
      [
        "bob × subscribe alice's order",
        () => frameOutcome(bob, { action: "subscribe", topic: `order:${aliceOrder.id}` }),
        "error NOT_FOUND",
      ],
      [
        "bob × chat in alice's order",
        () => frameOutcome(bob, { action: "sendMessage", orderId: aliceOrder.id, text: "hi", clientMessageId: "b1" }),
        "error NOT_FOUND",
      ],
      [
        "alice × subscribe staff feed",
        () => frameOutcome(alice, { action: "subscribe", topic: "orders" }),
        "error FORBIDDEN",
      ],
      [
        "alice × subscribe own order",
        () => frameOutcome(alice, { action: "subscribe", topic: `order:${aliceOrder.id}` }),
        "subscribed",
      ],
      [
        "staff × subscribe staff feed",
        () => frameOutcome(staff, { action: "subscribe", topic: "orders" }),
        "subscribed",
      ],
      [
        "staff × subscribe alice's order",
        () => frameOutcome(staff, { action: "subscribe", topic: `order:${aliceOrder.id}` }),
        "subscribed",
      ],
      ["staff × GET alice's order", () => restStatus(staff, "GET", `/orders/${aliceOrder.id}`), "200"],
      [
        "staff × status of alice's order",
        () =>
          restStatus(staff, "PATCH", `/orders/${aliceOrder.id}/status`, {
            status: "confirmed",
            version: aliceOrder.version,
          }),
        "200",
      ],
    ];
    for (const [cell, run, outcome] of rules) {
      observed[cell] = await run();
      expected[cell] = outcome;
    }

    // Assert: the whole table at once; refused upgrades stored no connection.
    expect(observed).toEqual(expected);
    expect(Object.keys(observed).length).toBeGreaterThanOrEqual(6 * 10 + rules.length);
    expect(connectionsAfterRefusals).toBe(connectionsBefore);
  });
});
