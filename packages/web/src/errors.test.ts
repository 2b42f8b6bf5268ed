import { describe, expect, it } from "vitest";
import { conflictText, describeError } from "./errors";
import { ServerError } from "./realtime/errors";
import { NetworkError } from "./realtime/orders-api";

describe("describeError", () => {
  it("shows a 409 in the server's words, without its technical reason", () => {
    const error = new ServerError(
      "CONFLICT",
      "Staff confirmed this order first (stale version 1: the order is at version 2)",
      409,
    );
    expect(describeError(error)).toBe("Staff confirmed this order first");
    expect(conflictText("The order is changing too fast; retry")).toBe("The order is changing too fast; retry");
  });

  it("says that nothing reached the server when fetch got no response", () => {
    expect(describeError(new NetworkError("GET /orders: no response (Failed to fetch)"))).toMatch(
      /could not be reached|offline/,
    );
  });
});
