import { describe, expect, it } from "vitest";
import {
  cognitoEndpoint,
  contentSecurityPolicy,
  contentSecurityPolicyDirectives,
  originOf,
  securityHeaders,
} from "./security-headers";

const aws = {
  api: "https://abc123.execute-api.eu-west-1.amazonaws.com/",
  webSocket: "wss://def456.execute-api.eu-west-1.amazonaws.com/$default",
  cognito: cognitoEndpoint("eu-west-1"),
};

describe("originOf", () => {
  it("keeps scheme, host and a non-default port, and drops path, query and the default port", () => {
    expect(originOf("wss://def456.execute-api.eu-west-1.amazonaws.com/$default?ticket=x")).toBe(
      "wss://def456.execute-api.eu-west-1.amazonaws.com",
    );
    expect(originOf("http://127.0.0.1:3001/local")).toBe("http://127.0.0.1:3001");
    expect(originOf("https://api.example.com:443/v1")).toBe("https://api.example.com");
  });
});

describe("contentSecurityPolicy", () => {
  it("lets the page connect to exactly its own origin, the HTTP API, the WebSocket API and Cognito", () => {
    expect(contentSecurityPolicyDirectives(aws)["connect-src"]).toEqual([
      "'self'",
      "https://abc123.execute-api.eu-west-1.amazonaws.com",
      "wss://def456.execute-api.eu-west-1.amazonaws.com",
      "https://cognito-idp.eu-west-1.amazonaws.com",
    ]);
  });

  it("allows no inline or evaluated script, no plugins and no framing", () => {
    const policy = contentSecurityPolicy(aws);

    expect(policy).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
        "connect-src 'self' https://abc123.execute-api.eu-west-1.amazonaws.com wss://def456.execute-api.eu-west-1.amazonaws.com https://cognito-idp.eu-west-1.amazonaws.com; " +
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    );
    expect(policy).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });

  it("admits a dev server's inline elements only by their nonce", () => {
    const directives = contentSecurityPolicyDirectives(
      { api: "http://127.0.0.1:3000", webSocket: "ws://127.0.0.1:3001", cognito: "http://127.0.0.1:9329" },
      { nonce: "r4nd0m" },
    );

    expect(directives["script-src"]).toEqual(["'self'", "'nonce-r4nd0m'"]);
    expect(directives["style-src"]).toEqual(["'self'", "'nonce-r4nd0m'"]);
    expect(directives["connect-src"]).toEqual([
      "'self'",
      "http://127.0.0.1:3000",
      "ws://127.0.0.1:3001",
      "http://127.0.0.1:9329",
    ]);
  });
});

describe("securityHeaders", () => {
  it("sends the policy with HSTS, nosniff, no referrer and no framing", () => {
    expect(securityHeaders(aws)).toEqual({
      "Content-Security-Policy": contentSecurityPolicy(aws),
      "Strict-Transport-Security": "max-age=63072000",
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "no-referrer",
      "X-Frame-Options": "DENY",
    });
  });
});
