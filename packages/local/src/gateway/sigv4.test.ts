import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { type SignedRequest, verifySigV4 } from "./sigv4";

// AWS's published SigV4 test suite ("get-vanilla", "post-x-www-form-urlencoded"): example keys,
// 2015-08-30T12:36:00Z, us-east-1, service "service".
const credentials = [{ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" }];
const options = { credentials, region: "us-east-1", service: "service", now: Date.UTC(2015, 7, 30, 12, 36) };
const scope = "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";

const getVanilla: SignedRequest = {
  method: "GET",
  url: "/",
  headers: {
    host: "example.amazonaws.com",
    "x-amz-date": "20150830T123600Z",
    authorization: `AWS4-HMAC-SHA256 Credential=${scope}, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31`,
  },
  body: Buffer.alloc(0),
};

describe("verifySigV4", () => {
  it("accepts AWS's get-vanilla example", () => {
    expect(() => verifySigV4(getVanilla, options)).not.toThrow();
  });

  it.each([
    ["another method", { ...getVanilla, method: "POST" }],
    ["another path", { ...getVanilla, url: "/other" }],
    ["an added query", { ...getVanilla, url: "/?a=b" }],
    ["another host", { ...getVanilla, headers: { ...getVanilla.headers, host: "example2.amazonaws.com" } }],
  ])("refuses %s than was signed", (_what, request) => {
    expect(() => verifySigV4(request, options)).toThrow(
      expect.objectContaining({ name: "InvalidSignatureException", statusCode: 403 }),
    );
  });

  it("refuses a body whose hash is not the signed x-amz-content-sha256", () => {
    const claimed = createHash("sha256").update("signed body").digest("hex");
    const request = {
      ...getVanilla,
      headers: { ...getVanilla.headers, "x-amz-content-sha256": claimed },
      body: Buffer.from("other body"),
    };

    expect(() => verifySigV4(request, options)).toThrow(expect.objectContaining({ name: "InvalidSignatureException" }));
  });

  it("refuses an unknown key, a stale date, a wrong scope and a missing signature", () => {
    const auth = String(getVanilla.headers.authorization);
    const withAuth = (authorization: string | undefined) => ({
      ...getVanilla,
      headers: { ...getVanilla.headers, authorization },
    });

    expect(() => verifySigV4(withAuth(auth.replace("AKIDEXAMPLE", "AKIDOTHER")), options)).toThrow(
      expect.objectContaining({ name: "UnrecognizedClientException", statusCode: 403 }),
    );
    expect(() => verifySigV4(getVanilla, { ...options, now: options.now + 6 * 60_000 })).toThrow(/Signature expired/);
    expect(() => verifySigV4(getVanilla, { ...options, region: "eu-west-1" })).toThrow(/valid region/);
    expect(() => verifySigV4(getVanilla, { ...options, service: "execute-api" })).toThrow(/correct service/);
    expect(() => verifySigV4(withAuth(undefined), options)).toThrow(
      expect.objectContaining({ name: "ForbiddenException" }),
    );
    expect(() => verifySigV4(withAuth("AWS4-HMAC-SHA256 Credential=x"), options)).toThrow(
      expect.objectContaining({ name: "InvalidSignatureException" }),
    );
  });
});
