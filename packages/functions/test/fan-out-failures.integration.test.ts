/**
 * The fan-out's failure path on the local stack, end to end: the `@connections` endpoint
 * refuses our credentials (403 ForbiddenException) while an order changes status; the record
 * fails, is retried by the stream poller, and its range lands in the local failure queue
 * instead of being dropped; once the endpoint accepts again, the replay command's work
 * (`replayFanOutFailures`) reads the event from the table and delivers it, and removes the
 * message. (Hangs and poison records at the poller: packages/local's stream-poller tests.)
 */
import { readdirSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { LeanConnectionsClient } from "@live-orders/connections/lean-client";
import type { Order } from "@live-orders/core/protocol";
import { localDynamoDbStreamsClient } from "@live-orders/local/clients";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "@live-orders/local/config";
import { type AppStack, startAppStack } from "@live-orders/local/testing/app-stack";
import { runEmulators } from "@live-orders/local/testing/run-emulators";
import { sampleOrder } from "@live-orders/local/testing/sample-order";
import { createOrdersApi } from "@live-orders/web/realtime/orders-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { directoryFailureQueue } from "../src/replay/failure-queues";
import { replayFanOutFailures } from "../src/replay/replay-fan-out";
import { TestSocket } from "./clients";

let stack: AppStack;
let proxy: Server;
let refusing = false;
const refused: string[] = [];

/** In front of the gateway's `@connections`: forwards as is, or answers 403 as API Gateway does for bad credentials. */
async function startManagementProxy(target: string): Promise<string> {
  const upstream = new URL(target);
  proxy = createServer((incoming, outgoing) => {
    if (refusing) {
      refused.push(incoming.url ?? "");
      incoming.resume();
      outgoing.writeHead(403, { "content-type": "application/json", "x-amzn-errortype": "ForbiddenException" });
      outgoing.end(JSON.stringify({ message: "Forbidden" }));
      return;
    }
    const forwarded = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(proxy.address() as AddressInfo).port}${upstream.pathname}`;
}

beforeAll(async () => {
  stack = await startAppStack({
    ...runEmulators(),
    managementEndpoint: startManagementProxy,
    // Two retries instead of ten: the bound, not its size, is under test.
    streamFailureHandling: { maximumRetryAttempts: 2 },
  });
});
afterAll(async () => {
  await stack?.stop();
  proxy?.closeAllConnections();
  await new Promise((resolve) => proxy?.close(resolve));
});

async function until<T>(probe: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("a fan-out refused with 403", () => {
  it("is retried, kept in the failure queue, and delivered by the replay once the endpoint accepts again", async () => {
    const alice = createOrdersApi(stack.clientOptions("alice@example.com"));
    const staff = createOrdersApi(stack.clientOptions("staff@example.com"));
    const order: Order = await alice.placeOrder(sampleOrder);
    const socket = await TestSocket.open(stack.outputs, await stack.token("alice@example.com"));
    await socket.request({ action: "subscribe", topic: `order:${order.id}` });

    refusing = true;
    await staff.setStatus(order.id, "confirmed", order.version);
    const files = await until(() => {
      const names = readdirSync(stack.fanOutFailures).filter((name) => name.endsWith(".json"));
      return names.length > 0 && names;
    });
    refusing = false;

    // First try and two retries, each posting to the subscriber and the staff feed's none.
    expect(refused.filter((path) => path.includes("/@connections/")).length).toBe(3);
    expect(files).toHaveLength(1);
    expect(socket.events(`order:${order.id}`)).toEqual([]);

    Object.assign(process.env, stack.handlerEnvironment);
    const streams = localDynamoDbStreamsClient(stack.outputs.dynamoEndpoint);
    const connections = new LeanConnectionsClient({
      endpoint: stack.outputs.wsManagementEndpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    const outcomes = await replayFanOutFailures(directoryFailureQueue(stack.fanOutFailures), { streams, connections });
    streams.destroy();
    connections.destroy();

    expect(outcomes).toMatchObject([
      { condition: "RetryAttemptsExhausted", events: 1, delivered: 1, failed: 0, acknowledged: true },
    ]);
    const replayed = await socket.waitForEvent(`order:${order.id}`, 2);
    expect(replayed.event).toMatchObject({ kind: "order.status", status: "confirmed", orderId: order.id, seq: 2 });
    expect(readdirSync(stack.fanOutFailures).filter((name) => name.endsWith(".json"))).toEqual([]);
    socket.socket.close();
  });
});
