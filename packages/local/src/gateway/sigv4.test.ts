import { createHash } from "node:crypto";
import { random, Sha256 } from "@live-orders/core/testing/sdk-signer-reference";
import { SignatureV4 } from "@smithy/signature-v4";
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

describe("verifySigV4 on requests in a row (what it keeps from the last request)", () => {
  const local = { accessKeyId: "local", secretAccessKey: "local" };
  const now = Date.UTC(2026, 11, 2, 12, 0, 0);
  const verifyOptions = { credentials: [local], region: "us-east-1", service: "execute-api", now };
  const paths = [
    "/local/@connections/L0SM9cOFvHcCIhw%3D",
    "/local/%40connections/a%2Bb%2Fc%3D",
    "/local/@connections/plain",
    "/$default/@connections/x%21%27%28%29%2Ay",
    "/local/@connections/%C3%A9%20%C3%BC",
    "/local/@connections/a/../b",
    "/local/./@connections//c/",
    "/local/@connections/.dot",
  ];
  const bodies = ['{"seq":1}', '{"seq":2}', "", "binary\u0000\u00ff"].map((text) => Buffer.from(text, "latin1"));
  const dates = [now - 60_000, now, now + 1000];

  async function signed(next: () => number) {
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
    const withHashHeader = next() < 0.7;
    const signer = new SignatureV4({
      credentials: local,
      region: "us-east-1",
      service: "execute-api",
      sha256: Sha256,
      applyChecksum: withHashHeader,
    });
    const method = pick(["POST", "GET", "DELETE"]);
    const path = pick(paths);
    const body = pick(bodies);
    const request = await signer.sign(
      {
        method,
        protocol: "https:",
        hostname: "127.0.0.1",
        port: 3001,
        path,
        headers: { host: "127.0.0.1:3001", "content-type": "application/octet-stream" },
        body,
      },
      { signingDate: new Date(pick(dates)) },
    );
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]),
    );
    return { method, url: path, headers, body } satisfies SignedRequest;
  }

  const refused = expect.objectContaining({ name: "InvalidSignatureException", statusCode: 403 });

  it("accepts the SDK's signatures on 300 requests that repeat and change body, date and path", async () => {
    const next = random(20261202);
    for (let i = 0; i < 300; i++) {
      const request = await signed(next);
      expect(() => verifySigV4(request, verifyOptions), `${request.method} ${request.url}`).not.toThrow();
    }
  });

  it("refuses, right after accepting it, the same request with another body, date, path or signature", async () => {
    const next = random(7);
    for (let i = 0; i < 200; i++) {
      const request = await signed(next);
      verifySigV4(request, verifyOptions);
      const otherBody = bodies.find((body) => !body.equals(request.body)) as Buffer;
      const signature = String(request.headers.authorization).slice(-64);
      const flipped = `${signature.slice(0, 63)}${signature.endsWith("0") ? "1" : "0"}`;
      const date = String(request.headers["x-amz-date"]);
      const otherDate = `${date.slice(0, 14)}${date[14] === "9" ? "8" : "9"}Z`;
      const tampered: SignedRequest[] = [
        { ...request, body: otherBody },
        { ...request, headers: { ...request.headers, "x-amz-date": otherDate } },
        { ...request, url: request.url === paths[2] ? (paths[0] as string) : (paths[2] as string) },
        {
          ...request,
          headers: {
            ...request.headers,
            authorization: String(request.headers.authorization).replace(signature, flipped),
          },
        },
      ];
      for (const changed of tampered) expect(() => verifySigV4(changed, verifyOptions)).toThrow(refused);
      expect(() => verifySigV4(request, verifyOptions)).not.toThrow();
    }
  });

  it("checks the date of every request: a stale one after a fresh one with the same scope is refused", async () => {
    const fresh = await signed(random(1));
    verifySigV4(fresh, verifyOptions);

    expect(() => verifySigV4(fresh, { ...verifyOptions, now: now + 10 * 60_000 })).toThrow(/Signature expired/);
    expect(() =>
      verifySigV4({ ...fresh, headers: { ...fresh.headers, "x-amz-date": "20261202T1200" } }, verifyOptions),
    ).toThrow(refused);
  });

  it("reads the Authorization fields in any order, and an upper-case signature as before", async () => {
    const request = await signed(random(3));
    const authorization = String(request.headers.authorization);
    const [credential, signedHeaders, signature] = authorization.slice("AWS4-HMAC-SHA256 ".length).split(", ");
    const reordered = `AWS4-HMAC-SHA256 ${signature}, ${credential}, ${signedHeaders}`;
    const upper = authorization.replace(/[0-9a-f]{64}$/, (hex) => hex.toUpperCase());

    expect(() =>
      verifySigV4({ ...request, headers: { ...request.headers, authorization: reordered } }, verifyOptions),
    ).not.toThrow();
    expect(() =>
      verifySigV4({ ...request, headers: { ...request.headers, authorization: upper } }, verifyOptions),
    ).not.toThrow();
    expect(() =>
      verifySigV4(
        { ...request, headers: { ...request.headers, authorization: `${authorization}, Signature=` } },
        verifyOptions,
      ),
    ).toThrow(/requires 'Credential', 'Signature' and 'SignedHeaders'/);
  });
});
