import { describe, expect, it } from "vitest";
import { Requests } from "./requests";

describe("Requests", () => {
  it("hands out r1, r2, … and tells each reply's request once", () => {
    const requests = new Requests();
    expect(requests.open({ kind: "subscribe", topic: "orders" })).toBe("r1");
    expect(requests.open({ kind: "send", clientMessageId: "m1" })).toBe("r2");
    expect(requests.take("r2")).toEqual({ kind: "send", clientMessageId: "m1" });
    expect(requests.take("r2")).toBeUndefined();
    expect(requests.take(undefined)).toBeUndefined();
    expect(requests.take("r1")).toEqual({ kind: "subscribe", topic: "orders" });
  });

  it("forgets the requests of a closed connection but keeps counting", () => {
    const requests = new Requests();
    requests.open({ kind: "unsubscribe", topic: "order:o1" });
    requests.clear();
    expect(requests.take("r1")).toBeUndefined();
    expect(requests.open({ kind: "unsubscribe", topic: "order:o1" })).toBe("r2");
  });
});
