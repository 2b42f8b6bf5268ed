/**
 * Fuzz (SPEC §4, §9): 10 000+ generated malformed frames from a customer's connections — bad
 * JSON, wrong types, unknown and non-string actions, huge and deeply nested values, `__proto__`
 * keys, over-long chat text, binary garbage, other people's orders — each gets exactly one
 * structured error (`{type:"error", code, id}` with the frame's id echoed when it had one), and
 * frames API Gateway itself refuses (over 32 KB, text that is not UTF-8) close their connection
 * with the AWS close code. Nothing crashes and nothing is written: the table holds the same
 * items before and after.
 */

import { ErrorCode } from "@live-orders/core/protocol";
import { type AppStack, startAppStack } from "@live-orders/local/testing/app-stack";
import { runEmulators } from "@live-orders/local/testing/run-emulators";
import { sampleOrder } from "@live-orders/local/testing/sample-order";
import { bookkeepingEntities, scanRawItems } from "@live-orders/local/testing/table";
import { connectUrl } from "@live-orders/local/testing/tickets";
import { createOrdersApi } from "@live-orders/web/realtime/orders-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { frameGenerator, type MalformedFrame } from "../support/malformed-frames";

const seed = Number(process.env.FUZZ_SEED ?? 20261126);
const connections = 20;
const framesPerConnection = 510;
const closingFrames = 60;
const burst = 30;
const errorCodes = new Set<string>(Object.values(ErrorCode));

let stack: AppStack;
beforeAll(async () => {
  stack = await startAppStack({
    ...runEmulators(),
    // The point is validation, not the per-user limits (which would answer RATE_LIMITED, and
    // refuse the 21st connection): test/reliability/abuse.integration.test.ts shows those.
    env: {
      LIVE_ORDERS_RATE_LIMIT_FRAMES: "unlimited",
      LIVE_ORDERS_RATE_LIMIT_CHAT: "unlimited",
      LIVE_ORDERS_RATE_LIMIT_TICKETS: "unlimited",
      LIVE_ORDERS_MAX_CONNECTIONS_PER_USER: "1000",
    },
  });
});
afterAll(async () => {
  await stack?.stop();
});

/** Every item but bookkeeping (the fuzzing connections, their slots, tickets and frame counts), as JSON strings. */
async function storedItems(): Promise<string[]> {
  const items = (await scanRawItems(stack.outputs)).filter((item) => !bookkeepingEntities.has(item.entity?.S ?? ""));
  return items.map((item) => JSON.stringify(item)).sort();
}

function open(url: string): Promise<{ socket: WebSocket; frames: Record<string, unknown>[]; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    const frames: Record<string, unknown>[] = [];
    socket.on("message", (data) => frames.push(JSON.parse(String(data)) as Record<string, unknown>));
    const closed = new Promise<number>((done) => socket.on("close", (code) => done(code)));
    socket.once("open", () => resolve({ socket, frames, closed }));
    socket.once("error", reject);
  });
}

describe("fuzz", () => {
  it(`answers ${connections * framesPerConnection} malformed frames with one structured error each and ${closingFrames} with AWS close codes; no crash, nothing written`, async () => {
    // Prepare
    const bobOrder = await createOrdersApi(stack.clientOptions("bob@example.com")).placeOrder(sampleOrder);
    const before = await storedItems();
    const token = await stack.token("alice@example.com");
    /** Every connection with a ticket of its own, as the web app connects. */
    const url = () => connectUrl(stack.outputs, token);
    const generate = frameGenerator(seed, { foreignOrderId: bobOrder.id });
    const families = new Map<string, number>();

    // Act + assert per connection: bursts of frames, then exactly one error per frame.
    await Promise.all(
      Array.from({ length: connections }, async (_, index) => {
        const { socket, frames } = await open(await url());
        const sentIds: string[] = [];
        let sent = 0;
        while (sent < framesPerConnection) {
          const batch: MalformedFrame[] = Array.from({ length: Math.min(burst, framesPerConnection - sent) }, () =>
            generate.reply(),
          );
          for (const frame of batch) {
            if (frame.kind !== "reply") throw new Error("reply frames only here");
            families.set(frame.family, (families.get(frame.family) ?? 0) + 1);
            if (frame.id !== undefined) sentIds.push(frame.id);
            socket.send(frame.data, { binary: frame.binary ?? false });
          }
          sent += batch.length;
          await expect.poll(() => frames.length, { timeout: 30_000, interval: 20 }).toBeGreaterThanOrEqual(sent);
        }
        // Nothing more than one reply per frame arrives late.
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(frames, `connection ${index}`).toHaveLength(framesPerConnection);
        const notErrors = frames.filter(
          (frame) => frame.type !== "error" || !errorCodes.has(String(frame.code)) || typeof frame.message !== "string",
        );
        expect(notErrors, `connection ${index}: replies that are not structured errors`).toEqual([]);
        expect(
          frames.filter((frame) => frame.code === ErrorCode.Internal),
          `connection ${index}: INTERNAL errors`,
        ).toEqual([]);
        const echoed = frames.flatMap((frame) => (typeof frame.id === "string" ? [frame.id] : []));
        expect(echoed.sort(), `connection ${index}: echoed ids`).toEqual([...sentIds].sort());
        expect(socket.readyState).toBe(WebSocket.OPEN);
        socket.close();
      }),
    );

    // Frames API Gateway refuses by closing: one connection each.
    const closeCodes: number[] = [];
    for (let i = 0; i < closingFrames; i += 10) {
      await Promise.all(
        Array.from({ length: Math.min(10, closingFrames - i) }, async () => {
          const frame = generate.close();
          if (frame.kind !== "close") throw new Error("close frames only here");
          families.set(frame.family, (families.get(frame.family) ?? 0) + 1);
          const { socket, closed } = await open(await url());
          socket.send(frame.data, { binary: frame.binary });
          const code = await closed;
          expect(frame.closeCodes).toContain(code);
          closeCodes.push(code);
        }),
      );
    }

    // Still serving: a fresh connection pings and subscribes to its own order.
    const aliceOrder = await createOrdersApi(stack.clientOptions("alice@example.com")).placeOrder(sampleOrder);
    const check = await open(await url());
    check.socket.send(JSON.stringify({ action: "ping", id: "alive" }));
    check.socket.send(JSON.stringify({ action: "subscribe", id: "mine", topic: `order:${aliceOrder.id}` }));
    // (The order's own `order.created` event may arrive too: the stream can deliver it after the
    // subscribe; and a `presence` frame after the pong when the ping ran after the subscribe: a
    // customer watching an order hears of staff presence at each heartbeat. Pushes, not replies.)
    const replies = () =>
      check.frames
        .filter((f) => f.type !== "event" && f.type !== "presence")
        .map((f) => f.type)
        .sort();
    await expect.poll(replies).toEqual(["pong", "subscribed"]);
    check.socket.send(JSON.stringify({ action: "unsubscribe", id: "bye", topic: `order:${aliceOrder.id}` }));
    await expect.poll(replies).toEqual(["pong", "subscribed", "unsubscribed"]);
    check.socket.close();

    // Nothing written by the fuzz: the same items (connection items aside) before and after,
    // apart from alice's check order and its created event.
    // The check connection's own subscriptions (its `presence:staff` one outlives the order
    // unsubscribe) go with its `$disconnect`, which runs after the close: poll for it.
    const strayItems = async () => {
      const after = await storedItems();
      return {
        lost: before.filter((item) => !after.includes(item)),
        added: after.filter((item) => !before.includes(item) && !item.includes(aliceOrder.id)),
      };
    };
    await expect.poll(strayItems, { timeout: 15_000 }).toEqual({ lost: [], added: [] });
    expect([...families.keys()].sort()).toEqual(
      [
        "actionNotString",
        "binary",
        "foreignOrder",
        "hugeAndNested",
        "invalidUtf8",
        "notAnObject",
        "notJson",
        "oversizeFrame",
        "oversizeText",
        "prototypePollution",
        "unknownAction",
        "wrongTypes",
      ].sort(),
    );
    expect(new Set(closeCodes)).toEqual(new Set([1007, 1009]));
  }, 230_000);
});
