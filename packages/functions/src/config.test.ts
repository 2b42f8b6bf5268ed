import { transportDefaults } from "@live-orders/connections/transport-settings";
import { afterEach, describe, expect, it } from "vitest";
import { connectionsTransport, webOrigins } from "./config";
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

describe("connections transport", () => {
  it("is the transport's default unless infra/ set it: one request per connection, 3 s per attempt", () => {
    expect(connectionsTransport({})).toEqual({
      connections: transportDefaults.connections,
      pipelining: 1,
      attemptTimeoutMs: 3_000,
    });
  });

  it("takes the pipelining opt-in and the attempt timeout from the environment infra/ sets", () => {
    const env = {
      LIVE_ORDERS_CONNECTIONS_POOL: "4",
      LIVE_ORDERS_CONNECTIONS_PIPELINING: "32",
      LIVE_ORDERS_CONNECTIONS_ATTEMPT_TIMEOUT_MS: "2500",
    };
    expect(connectionsTransport(env)).toEqual({ connections: 4, pipelining: 32, attemptTimeoutMs: 2500 });
  });

  it("refuses a setting that is not a positive integer, naming it", () => {
    expect(() => connectionsTransport({ LIVE_ORDERS_CONNECTIONS_PIPELINING: "0" })).toThrow(
      /LIVE_ORDERS_CONNECTIONS_PIPELINING must be a positive integer/,
    );
  });
});
