import { describe, expect, it } from "vitest";
import { billedUnits, itemBytes, type RecordedCall, type WireItem } from "./aws-billing";

const s = (value: string) => ({ S: value });
/** An item of about `bytes` bytes (names and values), keyed `pk`/`sk`. */
function item(bytes: number, extra: WireItem = {}): WireItem {
  const base: WireItem = { pk: s("ORDER#1"), sk: s("ORDER"), ...extra };
  const padding = Math.max(0, bytes - itemBytes(base) - "pad".length);
  return { ...base, pad: s("x".repeat(padding)) };
}
const call = (overrides: Partial<RecordedCall>): RecordedCall => ({
  operation: "PutItem",
  request: {},
  succeeded: true,
  writes: [],
  reads: [],
  ...overrides,
});
const write = (before: WireItem | undefined, after: WireItem | undefined, transactional = false) => ({
  table: "t",
  before,
  after,
  transactional,
});

describe("billedUnits (AWS's billing rules)", () => {
  it("bills a write by the larger of the item before and after, per started 1 KB", () => {
    expect(billedUnits(call({ writes: [write(undefined, item(1000))] }))).toEqual({ table: { rru: 0, wru: 1 } });
    expect(billedUnits(call({ writes: [write(item(1500), item(900))] }))).toEqual({ table: { rru: 0, wru: 2 } });
    expect(billedUnits(call({ operation: "DeleteItem", writes: [write(item(3000), undefined)] }))).toEqual({
      table: { rru: 0, wru: 3 },
    });
  });

  it("bills transactional writes twice and their index writes once", () => {
    const before = item(500, { gsi1pk: s("CUSTOMER#a"), gsi1sk: s("1") });
    const after = item(600, { gsi1pk: s("CUSTOMER#a"), gsi1sk: s("1") });
    expect(billedUnits(call({ operation: "TransactWriteItems", writes: [write(before, after, true)] }))).toEqual({
      table: { rru: 0, wru: 2 },
      gsi1: { rru: 0, wru: 1 },
    });
  });

  it("bills an index entry that moves as a delete plus a put, a new one as a put, a removed one as a delete", () => {
    const at = (status: string) => item(400, { gsi2pk: s("STATUS"), gsi2sk: s(status) });
    expect(billedUnits(call({ writes: [write(at("placed"), at("confirmed"))] })).gsi2).toEqual({ rru: 0, wru: 2 });
    expect(billedUnits(call({ writes: [write(undefined, at("placed"))] })).gsi2).toEqual({ rru: 0, wru: 1 });
    expect(billedUnits(call({ writes: [write(at("placed"), item(400))] })).gsi2).toEqual({ rru: 0, wru: 1 });
    expect(billedUnits(call({ writes: [write(item(400), item(400))] })).gsi2).toBeUndefined();
  });

  it("bills a failed conditional write by the item as it is, at least 1, with no index writes", () => {
    const existing = item(2100, { gsi1pk: s("X"), gsi1sk: s("1") });
    expect(billedUnits(call({ succeeded: false, writes: [write(existing, existing)] }))).toEqual({
      table: { rru: 0, wru: 3 },
    });
    expect(billedUnits(call({ succeeded: false, writes: [write(undefined, undefined)] }))).toEqual({
      table: { rru: 0, wru: 1 },
    });
  });

  it("bills reads per started 4 KB, half when eventually consistent, the minimum for nothing found", () => {
    const get = (items: (WireItem | undefined)[], consistent: boolean, rounding: "per-item" | "summed") =>
      billedUnits(call({ operation: "GetItem", reads: [{ index: "table", items, consistent, rounding }] })).table;
    expect(get([item(5000)], true, "per-item")).toEqual({ rru: 2, wru: 0 });
    expect(get([item(5000)], false, "per-item")).toEqual({ rru: 1, wru: 0 });
    expect(get([undefined], false, "per-item")).toEqual({ rru: 0.5, wru: 0 });
    // A Query sums its items and rounds once; an empty one still costs the minimum.
    expect(get([item(1000), item(1000), item(1000)], true, "summed")).toEqual({ rru: 1, wru: 0 });
    expect(get([], true, "summed")).toEqual({ rru: 1, wru: 0 });
    // BatchGetItem rounds every item up on its own.
    expect(get([item(1000), item(1000), item(1000)], true, "per-item")).toEqual({ rru: 3, wru: 0 });
  });

  it("sizes items as DynamoDB does: names plus values, numbers by their digits", () => {
    expect(itemBytes({ ab: { S: "xyz" } })).toBe(5);
    expect(itemBytes({ n: { N: "12345" } })).toBe(1 + 4);
    expect(itemBytes({ ok: { BOOL: true } })).toBe(3);
  });
});
