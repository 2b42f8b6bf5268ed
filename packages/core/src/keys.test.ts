import { describe, expect, it } from "vitest";
import {
  customerIdOfTopic,
  customerTopic,
  eventKey,
  eventsBeforeRange,
  eventsFromRange,
  orderIdOfTopic,
  orderKey,
  orderRange,
  orderRangeEnd,
  padSeq,
  readPositionKey,
  searchTermKey,
  staffGsi2Range,
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

  it("bounds a resume range to the events from since on, the order item and its read positions", () => {
    const range = eventsFromRange(2);
    const inRange = (sk: string) => sk >= range.from && sk <= range.to;
    expect(inRange(eventKey("o", 1).sk)).toBe(false);
    expect(inRange(eventKey("o", 2).sk)).toBe(true);
    expect(inRange(eventKey("o", 1000).sk)).toBe(true);
    expect(inRange(orderKey("o").sk)).toBe(true);
    expect(inRange(readPositionKey("o", "customer").sk)).toBe(true);
    expect(inRange(readPositionKey("o", "staff").sk)).toBe(true);
    expect(inRange("CHATMSG")).toBe(false);
    expect(eventsFromRange(0).from).toBe(eventKey("o", 1).sk);
  });

  it("reads, backwards, an order's read positions and order item, then its latest event first", () => {
    const inRange = (sk: string) => sk >= orderRange.from && sk <= orderRange.to;
    const latest = eventKey("o", 41).sk;
    const range = [readPositionKey("o", "staff").sk, readPositionKey("o", "customer").sk, orderKey("o").sk, latest];
    expect(range.every(inRange)).toBe(true);
    expect([eventKey("o", 40).sk, ...range].sort().reverse()).toEqual([...range, eventKey("o", 40).sk]);
    expect(eventKey("o", 9_999_999_999).sk < orderKey("o").sk).toBe(true);
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

  it("reads the customer id of a customer topic only", () => {
    expect(customerIdOfTopic(customerTopic("c-1"))).toBe("c-1");
    expect(customerIdOfTopic("order:o-1")).toBeUndefined();
  });

  it("bounds the events before a seq, and none before the first", () => {
    const range = eventsBeforeRange(4)!;
    const inRange = (sk: string) => sk >= range.from && sk <= range.to;
    expect([1, 2, 3].every((seq) => inRange(eventKey("o", seq).sk))).toBe(true);
    expect(inRange(eventKey("o", 4).sk)).toBe(false);
    expect(eventsBeforeRange(1)).toBeUndefined();
  });

  it("bounds one status's orders changed since a time, and nothing of the next status", () => {
    const range = staffGsi2Range("cancelled", "2026-01-01T10:00:00.000Z");
    const inRange = (sk: string) => sk >= range.from && sk <= range.to;
    expect(inRange(staffGsi2Sk("cancelled", "2026-01-01T10:00:00.000Z", "a"))).toBe(true);
    expect(inRange(staffGsi2Sk("cancelled", "2026-12-31T23:59:59.999Z", "z"))).toBe(true);
    expect(inRange(staffGsi2Sk("cancelled", "2026-01-01T09:59:59.999Z", "a"))).toBe(false);
    expect(inRange(staffGsi2Sk("confirmed", "2026-06-01T00:00:00.000Z", "a"))).toBe(false);
  });

  it("sorts search terms after the read positions, outside every range of an order's events", () => {
    expect(searchTermKey("o", "alice").sk > orderRangeEnd).toBe(true);
    expect(searchTermKey("o", "0").sk > orderRangeEnd).toBe(true);
  });
});
