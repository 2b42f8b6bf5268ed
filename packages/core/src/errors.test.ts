import { describe, expect, it } from "vitest";
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitedError,
  toErrorFrame,
  toHttpResponse,
  UnknownActionError,
} from "./errors";

describe("error mapping", () => {
  it("gives each error its code and HTTP status", () => {
    const cases = [
      [new BadRequestError("x"), "BAD_REQUEST", 400],
      [new UnknownActionError(), "UNKNOWN_ACTION", 400],
      [new ForbiddenError(), "FORBIDDEN", 403],
      [new NotFoundError(), "NOT_FOUND", 404],
      [new ConflictError("x"), "CONFLICT", 409],
      [new PayloadTooLargeError("x"), "PAYLOAD_TOO_LARGE", 413],
      [new RateLimitedError(), "RATE_LIMITED", 429],
    ] as const;
    for (const [error, code, status] of cases) {
      const response = toHttpResponse(error);
      expect(response.statusCode).toBe(status);
      expect(JSON.parse(response.body)).toMatchObject({ code, message: error.message });
      expect(toErrorFrame(error, "7")).toEqual({ type: "error", code, message: error.message, id: "7" });
    }
  });

  it("hides unexpected errors behind INTERNAL", () => {
    const secret = new Error("connection string with password");
    expect(JSON.parse(toHttpResponse(secret).body)).toEqual({ code: "INTERNAL", message: "internal error" });
    expect(toHttpResponse(secret).statusCode).toBe(500);
    expect(toErrorFrame(secret)).toEqual({ type: "error", code: "INTERNAL", message: "internal error" });
  });

  it("reports what was wrong with bad input", () => {
    const body = JSON.parse(
      toHttpResponse(new BadRequestError("invalid", [{ path: "items", message: "required" }])).body,
    );
    expect(body.details).toEqual([{ path: "items", message: "required" }]);
  });
});
