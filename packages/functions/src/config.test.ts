import { transportDefaults } from "@live-orders/connections/transport-settings";
import { afterEach, describe, expect, it } from "vitest";
import { connectionsTransport, localCognitoIssuer } from "./config";
import { ConfigurationError } from "./errors";

const original = process.env.LIVE_ORDERS_COGNITO_ISSUER;
afterEach(() => {
  if (original === undefined) delete process.env.LIVE_ORDERS_COGNITO_ISSUER;
  else process.env.LIVE_ORDERS_COGNITO_ISSUER = original;
});

describe("local Cognito issuer", () => {
  it("is off unless configured (AWS: the Cognito verifier)", () => {
    delete process.env.LIVE_ORDERS_COGNITO_ISSUER;
    expect(localCognitoIssuer()).toBeUndefined();
  });

  it("accepts loopback hosts only", () => {
    for (const issuer of ["http://127.0.0.1:9329/local_abc", "http://localhost:9229/p", "http://[::1]:9229/p/"]) {
      process.env.LIVE_ORDERS_COGNITO_ISSUER = issuer;
      expect(localCognitoIssuer()).toBe(issuer.replace(/\/$/, ""));
    }
  });

  it("refuses any other host, since cognito-local's signing key is public", () => {
    for (const issuer of [
      "http://10.0.0.5:9229/p",
      "https://cognito-idp.us-east-1.amazonaws.com/p",
      "http://127.0.0.1.evil.com/p",
      "not a url",
    ]) {
      process.env.LIVE_ORDERS_COGNITO_ISSUER = issuer;
      expect(() => localCognitoIssuer()).toThrow(ConfigurationError);
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
