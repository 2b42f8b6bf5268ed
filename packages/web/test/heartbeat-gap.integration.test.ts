/**
 * Gap detection within one heartbeat (SPEC §4): the stream delivery of an order's last event is
 * suppressed (as if the fan-out had given up on it), so no push and no later event reveals the
 * gap; the next `pong {seqs}` says where the order is, and the client fills the gap from REST.
 * The realtime client in Node against the local stack, with its heartbeat shortened to 1 s.
 */
import type { OrderEvent } from "@live-orders/core/protocol";
import { streamSubscriber } from "@live-orders/functions/routes";
import type { HandlerLoader } from "@live-orders/local/lambda/handler-loader";
import { type AppStack, startAppStack } from "@live-orders/local/testing/app-stack";
import { runEmulators } from "@live-orders/local/testing/run-emulators";
import { sampleOrder } from "@live-orders/local/testing/sample-order";
import type { DynamoDBStreamEvent } from "aws-lambda";
import { afterAll, beforeAll, expect, it } from "vitest";
import WebSocket from "ws";
import { RealtimeClient } from "../src/realtime/client";

let stack: AppStack;
/** `ORDER#{id}` / `EVENT#{seq}` keys whose stream records never reach the fan-out. */
const suppressed = new Set<string>();
let suppressedRecords = 0;

/** The stream subscriber sees every record but the suppressed ones (a push lost on its way). */
function suppressing(loader: HandlerLoader): HandlerLoader {
  return {
    load: (ref) => loader.load(ref),
    close: () => loader.close(),
    invoke(ref, event) {
      if (ref !== streamSubscriber.handler) return loader.invoke(ref, event);
      const records = (event as DynamoDBStreamEvent).Records.filter((record) => {
        const keys = record.dynamodb?.Keys;
        const hidden = suppressed.has(`${keys?.pk?.S}/${keys?.sk?.S}`);
        if (hidden) suppressedRecords += 1;
        return !hidden;
      });
      return records.length === 0
        ? Promise.resolve({ batchItemFailures: [] })
        : loader.invoke(ref, { Records: records });
    },
  };
}

beforeAll(async () => {
  stack = await startAppStack({ ...runEmulators(), wrapLoader: suppressing });
});
afterAll(async () => {
  await stack?.stop();
});

async function until(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it("holds an order's last event after its next heartbeat when its push never came", async () => {
  const client = new RealtimeClient({
    ...stack.clientOptions("alice@example.com"),
    WebSocket,
    transport: { heartbeat: { intervalMs: 1_000, timeoutMs: 5_000, message: JSON.stringify({ action: "ping" }) } },
  });
  const staff = new RealtimeClient({ ...stack.clientOptions("staff@example.com"), WebSocket });
  try {
    const order = await client.api.placeOrder(sampleOrder);
    const seen: OrderEvent[] = [];
    client.subscribeOrder(order.id, { since: order.seq, onEvent: (event) => seen.push(event) });
    await until(() => client.state === "connected", 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300)); // subscribed

    const confirmed = await staff.api.setStatus(order.id, "confirmed", order.version);
    await until(() => seen.some((event) => event.seq === confirmed.seq), 10_000);
    // The last event: its push is suppressed, and nothing comes after it.
    suppressed.add(`ORDER#${order.id}/EVENT#${String(confirmed.seq + 1).padStart(10, "0")}`);
    const preparing = await staff.api.setStatus(order.id, "preparing", confirmed.version);
    await until(() => suppressedRecords > 0, 10_000);
    const suppressedAt = Date.now();

    await until(() => seen.some((event) => event.seq === preparing.seq), 5_000);

    expect(Date.now() - suppressedAt).toBeLessThan(3_000); // one heartbeat (1 s) and the gap-fill delay
    expect(seen.map((event) => event.seq)).toEqual([confirmed.seq, preparing.seq]);
    expect(seen.at(-1)).toMatchObject({ kind: "order.status", status: "preparing" });
  } finally {
    client.close();
    staff.close();
  }
});
