import { describe, expect, it } from "vitest";
import {
  eventKey,
  eventsAfterRange,
  orderIdOfTopic,
  orderKey,
  orderRange,
  orderSeqKey,
  padSeq,
  staffGsi2Sk,
  subscriptionGsi1,
  subscriptionKey,
} from "./keys";

describe("keys", () => {
  it("pads seq so string order is numeric order", () => {
    const seqs = [1, 2, 9, 10, 11, 99, 100, 12345, 9_999_999_999];
    const sorted = seqs.map(padSeq).sort();
    expect(sorted.map(Number)).toEqual(seqs);
    expect(padSeq(7)).toBe("0000000007");
    expect(() => padSeq(-1)).toThrow(RangeError);
    expect(() => padSeq(1.5)).toThrow(RangeError);
    expect(() => padSeq(10_000_000_000)).toThrow(RangeError);
  });

  it("puts an order's events before the order item in its partition", () => {
    const order = orderKey("o1");
    const events = [1, 2, 10].map((seq) => eventKey("o1", seq));
    expect(events.every((e) => e.pk === order.pk)).toBe(true);
    expect([order.sk, ...events.map((e) => e.sk)].sort()).toEqual([...events.map((e) => e.sk), order.sk]);
  });

  it("bounds a resume range to the events after since and the order item", () => {
    const range = eventsAfterRange(2);
    const inRange = (sk: string) => sk >= range.from && sk <= range.to;
    expect(inRange(eventKey("o", 2).sk)).toBe(false);
    expect(inRange(eventKey("o", 3).sk)).toBe(true);
    expect(inRange(eventKey("o", 1000).sk)).toBe(true);
    expect(inRange(orderKey("o").sk)).toBe(true);
    expect(inRange(orderSeqKey("o").sk)).toBe(true);
    expect(inRange("CHATMSG")).toBe(false);
  });

  it("reads an order and its seq item, and nothing else, with the order range", () => {
    const inRange = (sk: string) => sk >= orderRange.from && sk <= orderRange.to;
    expect(inRange(orderKey("o").sk)).toBe(true);
    expect(inRange(orderSeqKey("o").sk)).toBe(true);
    expect(inRange(eventKey("o", 1).sk)).toBe(false);
    expect(inRange(eventKey("o", 9_999_999_999).sk)).toBe(false);
  });

  it("keys a subscription by topic (fan-out) and by connection (cleanup)", () => {
    expect(subscriptionKey("order:o1", "abc=")).toEqual({ pk: "TOPIC#order:o1", sk: "CONN#abc=" });
    expect(subscriptionGsi1("abc=", "orders")).toEqual({ gsi1pk: "CONN#abc=", gsi1sk: "TOPIC#orders" });
  });

  it("sorts the staff index by status, then recency", () => {
    const a = staffGsi2Sk("placed", "2026-01-01T10:00:00.000Z", "a");
    const b = staffGsi2Sk("placed", "2026-01-01T11:00:00.000Z", "b");
    expect(b > a).toBe(true);
    expect(a.startsWith("placed#")).toBe(true);
  });

  it("reads the order id of an order topic only", () => {
    expect(orderIdOfTopic("order:o-1")).toBe("o-1");
    expect(orderIdOfTopic("orders")).toBeUndefined();
  });
});
