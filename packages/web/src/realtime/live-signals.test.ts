import { describe, expect, it } from "vitest";
import { LiveSignals } from "./live-signals";

function setup(start = 1_000_000) {
  let now = start;
  const sent: object[] = [];
  const timers: { run: () => void; at: number }[] = [];
  let probes = 0;
  const signals = new LiveSignals({
    send: (frame) => sent.push(frame),
    probe: () => {
      probes += 1;
    },
    now: () => now,
    setTimer: (run, ms) => {
      const timer = { run, at: now + ms };
      timers.push(timer);
      return timer;
    },
    clearTimer: (timer) => {
      const index = timers.indexOf(timer as (typeof timers)[number]);
      if (index >= 0) timers.splice(index, 1);
    },
  });
  const advance = (ms: number) => {
    now += ms;
    for (const timer of timers.filter((t) => t.at <= now)) {
      timers.splice(timers.indexOf(timer), 1);
      timer.run();
    }
  };
  return { signals, sent, advance, probes: () => probes, now: () => now };
}

describe("typing", () => {
  it("sends at most one frame a second per order", () => {
    const { signals, sent, advance } = setup();
    expect(signals.typing("o1")).toBe(true);
    advance(300);
    expect(signals.typing("o1")).toBe(false);
    expect(signals.typing("o2")).toBe(true);
    advance(700);
    expect(signals.typing("o1")).toBe(true);
    expect(sent).toEqual([
      { action: "typing", orderId: "o1" },
      { action: "typing", orderId: "o2" },
      { action: "typing", orderId: "o1" },
    ]);
  });
});

describe("staff presence", () => {
  it("tells listeners of changes only, and asks again when an online window ends", () => {
    const { signals, advance, probes, now } = setup();
    const seen: (boolean | undefined)[] = [];
    signals.onPresence((state) => seen.push(state.staffOnline));
    signals.presenceSaid(true, new Date(now() + 5_000).toISOString());
    signals.presenceSaid(true, new Date(now() + 5_000).toISOString());
    expect(seen).toEqual([true]);
    advance(5_000);
    expect(probes()).toBe(0);
    advance(250);
    expect(probes()).toBe(1);
    signals.received({ type: "presence", staffOnline: false });
    expect(seen).toEqual([true, false]);
    advance(60_000);
    expect(probes()).toBe(1);
  });

  it("replaces the pending ask with the newer window", () => {
    const { signals, advance, probes, now } = setup();
    signals.presenceSaid(true, new Date(now() + 1_000).toISOString());
    signals.presenceSaid(true, new Date(now() + 10_000).toISOString());
    advance(2_000);
    expect(probes()).toBe(0);
    advance(8_500);
    expect(probes()).toBe(1);
  });
});

describe("routing", () => {
  it("hands typing and read frames to their listeners and leaves other frames", () => {
    const { signals } = setup();
    const typing: unknown[] = [];
    const reads: unknown[] = [];
    signals.onTyping((frame) => typing.push(frame));
    signals.onRead((frame) => reads.push(frame));
    const typingFrame = { type: "typing", orderId: "o1", from: { userId: "u", role: "staff" } } as const;
    const readFrame = { type: "read", orderId: "o1", role: "customer", seq: 3 } as const;
    expect(signals.received(typingFrame)).toBe(true);
    expect(signals.received(readFrame)).toBe(true);
    expect(signals.received({ type: "pong", seqs: {} })).toBe(false);
    expect(typing).toEqual([typingFrame]);
    expect(reads).toEqual([readFrame]);
  });
});
