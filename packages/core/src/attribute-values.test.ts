import * as UtilDynamo from "@aws-sdk/util-dynamodb";
import { describe, expect, it } from "vitest";
import { marshall, unmarshall } from "./attribute-values";

const sdkMarshall = (item: object) => UtilDynamo.marshall(item, { removeUndefinedValues: true });
const sdkUnmarshall = (attributes: object) =>
  UtilDynamo.unmarshall(attributes as Parameters<typeof UtilDynamo.unmarshall>[0]);

/** Items shaped like the app's: an order, an event with its frame, a counter, a presence row. */
const appItems: Record<string, unknown>[] = [
  {
    pk: "ORDER#o-1",
    sk: "ORDER",
    entity: "order",
    orderId: "o-1",
    version: 3,
    seq: 9_999_999_999,
    createdAt: "2026-01-31T12:00:00.000Z",
    etaAt: null,
    note: undefined,
    cancelled: false,
    items: [
      { sku: "PIZZA-MARG", quantity: 2, unitPriceCents: 1150 },
      { sku: "DRINK-LEMO", quantity: 1, unitPriceCents: 350 },
    ],
    contact: { name: "Zoë Ångström", phone: "+49 30 1234567" },
    fulfilment: { type: "delivery", address: "Hauptstraße 1, 10115 Berlin" },
    totalCents: 2650,
  },
  {
    pk: "ORDER#o-1",
    sk: "EVENT#0000000004",
    entity: "event",
    ttl: 1_790_000_000,
    event: { type: "chat", seq: 4, text: "مرحبا، שלום 👋", by: { role: "customer", userId: "u-1" }, meta: {} },
  },
  { pk: "RATE#u-1", sk: "W#1790000000", count: 0, negative: -42, fraction: 0.125, tiny: 5e-324, large: 4.5e15 },
  { pk: "P", sk: "S", empty: "", emptyList: [], emptyMap: {}, nested: [[1, [true, null]], { a: [{}] }] },
];

/** A seeded generator of nested values of every type the app stores, `undefined` members included. */
function randomValue(next: () => number, depth: number): unknown {
  const kind = Math.floor(next() * (depth > 3 ? 6 : 9));
  switch (kind) {
    case 0:
      return String.fromCodePoint(
        ...Array.from({ length: Math.floor(next() * 6) }, () => Math.floor(next() * 0x2ffff)),
      );
    case 1:
      return Math.floor((next() - 0.5) * 2 * Number.MAX_SAFE_INTEGER);
    case 2:
      return (next() - 0.5) * 1e6;
    case 3:
      return next() < 0.5;
    case 4:
      return null;
    case 5:
      return undefined;
    case 6:
      return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: Math.floor(next() * 4) }, (_, i) => [`k${i}`, randomValue(next, depth + 1)]),
      );
  }
}

function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe("attribute values", () => {
  it("writes the app's items as util-dynamodb's marshall with removeUndefinedValues does", () => {
    for (const item of appItems) expect(marshall(item)).toEqual(sdkMarshall(item));
  });

  it("writes and reads randomized nested items as util-dynamodb does", () => {
    const next = seeded(15);
    for (let i = 0; i < 500; i++) {
      const item = { pk: "X", value: randomValue(next, 0), other: randomValue(next, 0) };
      const wire = marshall(item);
      expect(wire).toEqual(sdkMarshall(item));
      expect(unmarshall(wire)).toEqual(sdkUnmarshall(wire));
    }
  });

  it("reads every attribute type as util-dynamodb's unmarshall does", () => {
    const wire = {
      s: { S: "text" },
      n: { N: "-12.5" },
      safe: { N: "9007199254740991" },
      // Beyond Number's safe integers: a bigint, not a rounded number.
      unsafe: { N: "12345678901234567890" },
      small: { N: "-9007199254740993" },
      bool: { BOOL: true },
      nul: { NULL: true },
      m: { M: { a: { L: [{ S: "x" }, { N: "1" }, { M: {} }] } } },
      ss: { SS: ["a", "b"] },
      ns: { NS: ["1", "2.5"] },
      b: { B: "AAEC" },
      bs: { BS: ["AA==", "AQ=="] },
    };
    const read = unmarshall(wire);
    expect(read).toEqual(sdkUnmarshall(wire));
    expect(read.unsafe).toBe(12345678901234567890n);
    for (const item of appItems) expect(unmarshall(sdkMarshall(item))).toEqual(sdkUnmarshall(sdkMarshall(item)));
  });

  it("refuses numbers util-dynamodb refuses", () => {
    for (const number of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 53, -(2 ** 53)]) {
      expect(() => sdkMarshall({ number })).toThrow();
      expect(() => marshall({ number })).toThrow(/cannot store the number/);
    }
    expect(marshall({ number: 2 ** 53 - 1 })).toEqual(sdkMarshall({ number: 2 ** 53 - 1 }));
    expect(marshall({ big: 12345678901234567890n })).toEqual(sdkMarshall({ big: 12345678901234567890n }));
  });

  it("refuses what the app never stores instead of converting it some other way", () => {
    for (const value of [new Set(["a"]), new Map([["a", 1]]), new Uint8Array([1]), new Date(0)]) {
      expect(() => marshall({ value })).toThrow(/cannot store/);
      expect(() => marshall({ list: [value] })).toThrow(/cannot store/);
    }
  });

  it("refuses an attribute value it cannot read, as util-dynamodb does", () => {
    expect(() => unmarshall({ a: { X: 1 } })).toThrow("Unsupported type passed: X");
    expect(() => sdkUnmarshall({ a: { X: 1 } })).toThrow("Unsupported type passed: X");
    expect(() => unmarshall({ a: {} })).toThrow("No value defined");
    expect(() => sdkUnmarshall({ a: {} })).toThrow("No value defined");
  });
});
