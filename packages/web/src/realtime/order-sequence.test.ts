import { describe, expect, it } from "vitest";
import { chatEvent, statusEvent } from "../../test/helpers";
import { OrderSequence } from "./order-sequence";

describe("OrderSequence", () => {
  it("delivers in-order events at once", () => {
    const sequence = new OrderSequence(0);
    expect(sequence.accept(statusEvent(1)).map((e) => e.seq)).toEqual([1]);
    expect(sequence.accept(chatEvent(2)).map((e) => e.seq)).toEqual([2]);
    expect(sequence.lastSeq).toBe(2);
    expect(sequence.hasGap).toBe(false);
  });

  it("drops duplicates, delivered or still pending", () => {
    const sequence = new OrderSequence(0);
    sequence.accept(statusEvent(1));
    expect(sequence.accept(statusEvent(1))).toEqual([]);
    sequence.accept(statusEvent(3));
    expect(sequence.accept(statusEvent(3))).toEqual([]);
    expect(sequence.pendingCount).toBe(1);
  });

  it("holds events after a gap and releases them in order when it closes", () => {
    const sequence = new OrderSequence(2);
    expect(sequence.accept(chatEvent(5))).toEqual([]);
    expect(sequence.accept(chatEvent(4))).toEqual([]);
    expect(sequence.hasGap).toBe(true);
    expect(sequence.accept(chatEvent(3)).map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(sequence.hasGap).toBe(false);
  });

  it("ignores events at or before its starting point", () => {
    const sequence = new OrderSequence(7);
    expect(sequence.accept(chatEvent(7))).toEqual([]);
    expect(sequence.accept(chatEvent(8)).map((e) => e.seq)).toEqual([8]);
  });

  it("reports a gap when a head beyond the last delivered seq is known", () => {
    const sequence = new OrderSequence(3);
    sequence.noteHead(5);
    expect(sequence.hasGap).toBe(true);
    sequence.accept(chatEvent(4));
    sequence.accept(chatEvent(5));
    expect(sequence.hasGap).toBe(false);
  });
});
