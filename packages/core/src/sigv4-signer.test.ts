/**
 * `SigV4Signer` against the SDK's own signer (`SignatureV4` from `@smithy/signature-v4`, as the
 * `@connections` client configures it) on the same randomized requests: every header it adds,
 * the Authorization header above all, must be the same bytes.
 */
import { SignatureV4 } from "@smithy/signature-v4";
import { describe, expect, it } from "vitest";
import { escapeUri, SigV4Signer } from "./sigv4-signer";
import { random, Sha256 } from "./testing/sdk-signer-reference";

const pick = <T>(next: () => number, items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;

describe("SigV4Signer", () => {
  it("adds exactly the headers the SDK's SignatureV4 adds, on 500 randomized requests", async () => {
    const next = random(20261127);
    const connectionIds = ["L0SM9cOFvHcCIhw=", "a+b/c=", "plain", "x!'()*y", "é ü", "%41", "a/../b", "./dot"];
    const values = ["application/octet-stream", "  spaced   out  ", "tab\tinside", "line\r\nbreak", "", "ünïcode"];
    for (let i = 0; i < 500; i++) {
      const credentials = {
        accessKeyId: pick(next, ["AKIDEXAMPLE", "local"]),
        secretAccessKey: pick(next, ["wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "local"]),
        ...(next() < 0.5 ? { sessionToken: `token-${i}` } : {}),
      };
      const region = pick(next, ["us-east-1", "eu-west-1"]);
      const method = pick(next, ["POST", "GET", "DELETE"]);
      // Some paths with raw dot segments and empty segments, which the canonical path resolves.
      const raw = pick(next, [
        "/@connections/",
        "/@connections/",
        "/@connections/",
        "/./@connections/../@connections/",
        "//@connections/",
      ]);
      const path = `/${pick(next, ["prod", "local", "$default"])}${raw}${escapeUri(pick(next, connectionIds))}${next() < 0.1 ? "/" : ""}`;
      const headers: Record<string, string> = {
        host: pick(next, ["abc123.execute-api.us-east-1.amazonaws.com", "127.0.0.1:4001"]),
      };
      const body = method === "POST" ? Buffer.from(`{"n":${i},"text":"${pick(next, values)}"}`) : undefined;
      if (body) {
        headers["content-type"] = pick(next, values);
        headers["content-length"] = String(body.length);
      }
      if (next() < 0.3) headers["X-Custom-Header"] = pick(next, values);
      if (next() < 0.2) headers["user-agent"] = "aws-sdk-js/3";
      if (next() < 0.1) headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD";
      const signingDate = new Date(Date.UTC(2026, 10, 27, 0, 0, 0) + Math.floor(next() * 86_400_000 * 3));

      const reference = await new SignatureV4({ credentials, region, service: "execute-api", sha256: Sha256 }).sign(
        {
          method,
          protocol: "https:",
          hostname: headers.host as string,
          path,
          query: {},
          headers: { ...headers },
          body,
        },
        { signingDate },
      );
      const ours = await new SigV4Signer(async () => credentials, region, "execute-api").sign(
        { method, path, headers, body },
        signingDate,
      );

      expect(ours, `request ${i}: ${method} ${path}`).toEqual(reference.headers);
    }
  });

  it("derives the signing key once per day and credentials, and not again for the next request", async () => {
    const credentials = { accessKeyId: "local", secretAccessKey: "local" };
    const signer = new SigV4Signer(async () => credentials, "us-east-1", "execute-api");
    const at = (iso: string) => new Date(iso);
    const request = { method: "GET", path: "/prod/@connections/abc", headers: { host: "h" } };

    const [a, b, nextDay] = [
      await signer.sign(request, at("2026-11-27T10:00:00Z")),
      await signer.sign(request, at("2026-11-27T10:00:00Z")),
      await signer.sign(request, at("2026-11-28T10:00:00Z")),
    ];

    expect(a.authorization).toBe(b.authorization);
    expect(nextDay.authorization).toContain("Credential=local/20261128/us-east-1/execute-api/aws4_request");
    expect(nextDay.authorization).not.toBe(a.authorization);
  });
});
