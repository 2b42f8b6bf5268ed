import { describe, expect, it } from "vitest";
import { formatClaim } from "./jwt-authorizer";

describe("formatClaim", () => {
  it.each([
    ["a string", "abc", "abc"],
    ["an integer", 1700000000, "1700000000"],
    ["a boolean", true, "true"],
    ["an array", ["staff", "admins"], "[staff admins]"],
    ["an empty array", [], "[]"],
    ["an object", { b: 2, a: "x" }, "map[a:x b:2]"],
  ])("formats %s as API Gateway does", (_name, value, expected) => {
    expect(formatClaim(value)).toBe(expected);
  });
});
