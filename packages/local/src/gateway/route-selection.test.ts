import { describe, expect, it } from "vitest";
import { selectRouteKey } from "./route-selection";

const routes = { $connect: {}, $disconnect: {}, $default: {}, echo: {}, "7": {} };

describe("selectRouteKey", () => {
  it.each([
    ['{"action":"echo"}', "echo"],
    ['{"action":7}', "7"],
    ['{"action":"nope"}', "$default"],
    ['{"noAction":true}', "$default"],
    ['{"action":{"nested":1}}', "$default"],
    ["[1,2]", "$default"],
    ["not json", "$default"],
    ['"echo"', "$default"],
    // Inherited properties are not routes.
    ['{"action":"constructor"}', "$default"],
    ['{"action":"__proto__"}', "$default"],
    ['{"action":"toString"}', "$default"],
    // The connection routes are not message routes.
    ['{"action":"$connect"}', "$default"],
    ['{"action":"$disconnect"}', "$default"],
  ])("routes %s to %s", (frame, expected) => {
    expect(selectRouteKey(routes, frame)).toBe(expected);
  });

  it("routes a binary frame (no text) to $default", () => {
    expect(selectRouteKey(routes, undefined)).toBe("$default");
  });
});
