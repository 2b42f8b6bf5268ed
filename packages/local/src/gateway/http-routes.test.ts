import { describe, expect, it } from "vitest";
import { HttpRouter } from "./http-routes";

const router = new HttpRouter({
  "GET /orders": { handler: "list" },
  "GET /orders/{id}": { handler: "get" },
  "GET /orders/mine": { handler: "mine" },
  "PATCH /orders/{id}/status": { handler: "status" },
  "ANY /orders/{id}/status": { handler: "anyStatus" },
  "GET /static/{path+}": { handler: "static" },
});

describe("HttpRouter", () => {
  it.each([
    ["GET", "/orders", "GET /orders", undefined],
    ["GET", "/orders/o-1", "GET /orders/{id}", { id: "o-1" }],
    ["GET", "/orders/a%2Fb", "GET /orders/{id}", { id: "a/b" }],
    ["GET", "/orders/mine", "GET /orders/mine", undefined],
    ["PATCH", "/orders/o-1/status", "PATCH /orders/{id}/status", { id: "o-1" }],
    ["POST", "/orders/o-1/status", "ANY /orders/{id}/status", { id: "o-1" }],
    ["GET", "/static/a/b.css", "GET /static/{path+}", { path: "a/b.css" }],
  ])("%s %s → %s", (method, path, routeKey, pathParameters) => {
    expect(router.match(method, path)).toEqual({ routeKey, handler: expect.any(String), pathParameters });
  });

  it.each([
    ["POST", "/orders"],
    ["GET", "/orders/o-1/events"],
    ["GET", "/static"],
    ["GET", "/"],
  ])("matches nothing for %s %s", (method, path) => {
    expect(router.match(method, path)).toBeUndefined();
  });

  it("sends everything unmatched to $default when there is one", () => {
    const withDefault = new HttpRouter({ "GET /a": { handler: "a" }, $default: { handler: "fallback" } });

    expect(withDefault.match("DELETE", "/x/y")?.routeKey).toBe("$default");
    expect(withDefault.match("GET", "/a")?.routeKey).toBe("GET /a");
  });
});
