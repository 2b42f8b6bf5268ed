import { afterEach, describe, expect, it } from "vitest";
import { webOrigins } from "./config";
import { ConfigurationError } from "./errors";

const original = process.env.LIVE_ORDERS_WEB_ORIGINS;
afterEach(() => {
  if (original === undefined) delete process.env.LIVE_ORDERS_WEB_ORIGINS;
  else process.env.LIVE_ORDERS_WEB_ORIGINS = original;
});

describe("web origins", () => {
  it("are the comma-separated origins the deployment names", () => {
    process.env.LIVE_ORDERS_WEB_ORIGINS = "https://d111.cloudfront.net, http://127.0.0.1:5173";
    expect([...webOrigins()]).toEqual(["https://d111.cloudfront.net", "http://127.0.0.1:5173"]);
  });

  it("may be none (a stack without a web app: no browser may connect), but must be set", () => {
    process.env.LIVE_ORDERS_WEB_ORIGINS = "";
    expect(webOrigins().size).toBe(0);
    delete process.env.LIVE_ORDERS_WEB_ORIGINS;
    expect(() => webOrigins()).toThrow(/LIVE_ORDERS_WEB_ORIGINS/);
  });

  it("refuses anything but bare origins (a path or a trailing slash would never match a browser's Origin)", () => {
    for (const value of ["https://d111.cloudfront.net/", "https://app.example.com/app", "not a url", "*"]) {
      process.env.LIVE_ORDERS_WEB_ORIGINS = value;
      expect(() => webOrigins(), value).toThrow(ConfigurationError);
    }
  });
});
