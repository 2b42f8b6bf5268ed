import { streamSubscriber } from "@live-orders/functions/routes";
import { describe, expect, it } from "vitest";
import { type FilterPattern, matchesAnyFilter, matchesPattern } from "./filter-pattern";

const insertOf = (sk: string) => ({
  eventName: "INSERT",
  dynamodb: {
    Keys: { pk: { S: "ORDER#1" }, sk: { S: sk } },
    NewImage: { pk: { S: "ORDER#1" }, sk: { S: sk }, n: { N: "3" } },
  },
});

describe("matchesAnyFilter with the app's stream subscriber filters", () => {
  const filters = streamSubscriber.filters as unknown as FilterPattern[];

  it.each([
    ["an INSERT of an event item", insertOf("EVENT#0000000001"), true],
    ["an INSERT of another item", insertOf("ORDER"), false],
    ["a MODIFY of an event item", { ...insertOf("EVENT#0000000001"), eventName: "MODIFY" }, false],
    ["a REMOVE (no NewImage)", { eventName: "REMOVE", dynamodb: { OldImage: { sk: { S: "EVENT#1" } } } }, false],
  ])("%s → %s", (_name, record, delivered) => {
    expect(matchesAnyFilter(record, filters)).toBe(delivered);
  });

  it("delivers everything when there are no filters", () => {
    expect(matchesAnyFilter(insertOf("X"), undefined)).toBe(true);
    expect(matchesAnyFilter(insertOf("X"), [])).toBe(true);
  });

  it("delivers when any one of several filters matches", () => {
    const either: FilterPattern[] = [{ eventName: ["REMOVE"] }, { eventName: ["INSERT"] }];

    expect(matchesAnyFilter(insertOf("X"), either)).toBe(true);
  });
});

describe("matchesPattern matchers", () => {
  const data = { s: "Hello", n: 5, b: true, z: null, list: ["a", "b"], obj: { inner: "x" } };

  it.each<[string, FilterPattern, boolean]>([
    ["literal string", { s: ["Hello"] }, true],
    ["literal string, other case", { s: ["hello"] }, false],
    ["equals-ignore-case", { s: [{ "equals-ignore-case": "hELLO" }] }, true],
    ["literal number", { n: [5] }, true],
    ["literal boolean", { b: [true] }, true],
    ["null", { z: [null] }, true],
    ["prefix", { s: [{ prefix: "He" }] }, true],
    ["prefix, no match", { s: [{ prefix: "lo" }] }, false],
    ["suffix", { s: [{ suffix: "llo" }] }, true],
    ["anything-but value", { s: [{ "anything-but": "Bye" }] }, true],
    ["anything-but list containing it", { s: [{ "anything-but": ["Hello", "Bye"] }] }, false],
    ["anything-but prefix", { s: [{ "anything-but": { prefix: "He" } }] }, false],
    ["numeric range", { n: [{ numeric: [">", 0, "<=", 5] }] }, true],
    ["numeric range, outside", { n: [{ numeric: [">", 5] }] }, false],
    ["numeric on a string", { s: [{ numeric: [">", 0] }] }, false],
    ["exists true", { s: [{ exists: true }] }, true],
    ["exists false on a missing key", { missing: [{ exists: false }] }, true],
    ["exists false on a present key", { s: [{ exists: false }] }, false],
    ["missing key with a literal", { missing: ["x"] }, false],
    ["array data: any element", { list: ["b"] }, true],
    ["nested object", { obj: { inner: ["x"] } }, true],
    ["nested object missing", { nope: { inner: ["x"] } }, false],
    ["several keys are ANDed", { s: ["Hello"], n: [6] }, false],
    ["matchers of a leaf are ORed", { n: [6, 5] }, true],
    ["$or alternatives", { $or: [{ n: [6] }, { s: ["Hello"] }] }, true],
    ["$or none matching", { $or: [{ n: [6] }, { s: ["Bye"] }] }, false],
  ])("%s", (_name, pattern, expected) => {
    expect(matchesPattern(data, pattern)).toBe(expected);
  });

  it("rejects a malformed pattern", () => {
    expect(() => matchesPattern(data, { s: "Hello" } as unknown as FilterPattern)).toThrow(/array of matchers/);
  });
});
