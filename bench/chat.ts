/**
 * Phase "chat": one order room with 10 subscribers; the owner sends `sendMessage` frames with
 * 1, 8 (and 32) in flight, each acked; messages/s until every subscriber holds every message.
 */

import { connectUrl } from "@live-orders/local/testing/tickets";
import WebSocket from "ws";
import { type Bench, now, progress, settings } from "./bench-context";
import { round } from "./stats";

export interface ChatResult {
  subscribers: number;
  window: number;
  messages: number;
  messagesPerSec: number;
  deliveriesPerSec: number;
  ackedPerSec: number;
  missing: number;
}

const subscribers = 10;

/** Every window's run, and the best of them. */
export async function measureChat(bench: Bench): Promise<{ chat: ChatResult | undefined; chatRuns: ChatResult[] }> {
  await bench.fleet.send({
    op: "connect",
    group: "chat",
    ...bench.stackTarget,
    count: subscribers,
    concurrency: subscribers,
  });
  const chatRuns: ChatResult[] = [];
  for (const window of settings.chatWindows) chatRuns.push(await chatWith(bench, window));
  await bench.fleet.send({ op: "kill", group: "chat" });
  const chat = chatRuns.reduce<ChatResult | undefined>(
    (best, run) => (best === undefined || run.messagesPerSec > best.messagesPerSec ? run : best),
    undefined,
  );
  return { chat, chatRuns };
}

async function chatWith(bench: Bench, window: number): Promise<ChatResult> {
  const { fleet, stack } = bench;
  const messages = settings.chatMessages;
  progress(`chat: ${messages} messages into one room with ${subscribers} subscribers, ${window} in flight …`);
  const chatOrder = await bench.placeOrder();
  await fleet.send({
    op: "request",
    group: "chat",
    from: 0,
    to: subscribers,
    frame: { action: "subscribe", topic: `order:${chatOrder.id}` },
    concurrency: subscribers,
    timeoutMs: 30_000,
  });
  const chatArmed = await fleet.arm({
    op: "arm",
    group: "chat",
    from: 0,
    to: subscribers,
    marker: `"topic":"order:${chatOrder.id}"`,
    count: messages,
    timeoutMs: 120_000,
  });
  const sender = new WebSocket(await connectUrl(stack.outputs, bench.aliceToken), { perMessageDeflate: false });
  await new Promise((resolve, reject) => sender.once("open", resolve).once("error", reject));
  const chatT0 = now();
  let acked = 0;
  await new Promise<void>((resolve, reject) => {
    let sent = 0;
    const sendNext = () => {
      const index = sent++;
      sender.send(
        JSON.stringify({
          action: "sendMessage",
          id: `m${index}`,
          orderId: chatOrder.id,
          text: `message ${index}`,
          clientMessageId: `bench-${window}-${index}`,
        }),
      );
    };
    const timer = setTimeout(() => reject(new Error(`chat: ${acked} acks after 120 s`)), 120_000);
    sender.on("message", (data: Buffer) => {
      const frame = JSON.parse(data.toString("utf8")) as { type: string; code?: string };
      if (frame.type === "error") return reject(new Error(`chat: ${JSON.stringify(frame)}`));
      if (frame.type !== "ack") return;
      acked += 1;
      if (acked === messages) {
        clearTimeout(timer);
        resolve();
      } else if (sent < messages) sendNext();
    });
    for (let i = 0; i < Math.min(window, messages); i++) sendNext();
  });
  const ackedAt = now();
  const chatTimes = (await chatArmed.received).times;
  sender.close();
  const seconds = (Math.max(...chatTimes) - chatT0) / 1000;
  const measured: ChatResult = {
    subscribers,
    window,
    messages,
    messagesPerSec: round(messages / seconds, 0),
    deliveriesPerSec: round((messages * subscribers) / seconds, 0),
    ackedPerSec: round(messages / ((ackedAt - chatT0) / 1000), 0),
    missing: chatTimes.filter((t) => !Number.isFinite(t)).length,
  };
  progress(
    `  ${measured.messagesPerSec} messages/s fully delivered to all ${subscribers} (${measured.deliveriesPerSec} deliveries/s), acks ${measured.ackedPerSec}/s`,
  );
  return measured;
}
