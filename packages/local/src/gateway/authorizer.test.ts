import { describe, expect, it } from "vitest";
import { decisionForThrow, evaluateAuthorizerResult } from "./authorizer";

const methodArn = "arn:aws:execute-api:us-east-1:000000000000:abc123defg/local/$connect";
const policy = (Effect: string, Resource: unknown, Action: unknown = "execute-api:Invoke") => ({
  Version: "2012-10-17",
  Statement: [{ Effect, Action, Resource }],
});

describe("evaluateAuthorizerResult", () => {
  it("allows on a matching Allow, stringifying context values beside principalId", () => {
    const decision = evaluateAuthorizerResult(
      { principalId: "u1", policyDocument: policy("Allow", methodArn), context: { n: 1, b: false, s: "x" } },
      methodArn,
    );

    expect(decision).toEqual({ allowed: true, context: { n: "1", b: "false", s: "x", principalId: "u1" } });
  });

  it.each([
    ["a wildcard resource", "arn:aws:execute-api:us-east-1:000000000000:abc123defg/*"],
    ["a list of resources", ["arn:other", methodArn]],
    ["a ? wildcard", "arn:aws:execute-api:us-east-1:000000000000:abc123defg/loca?/$connect"],
  ])("allows with %s", (_name, resource) => {
    expect(
      evaluateAuthorizerResult({ principalId: "u", policyDocument: policy("Allow", resource) }, methodArn).allowed,
    ).toBe(true);
  });

  it.each([
    ["a Deny", { principalId: "u", policyDocument: policy("Deny", methodArn) }],
    [
      "an Allow for another resource",
      { principalId: "u", policyDocument: policy("Allow", "arn:aws:execute-api:*:*:other/*") },
    ],
    ["an Allow of another action", { principalId: "u", policyDocument: policy("Allow", methodArn, "s3:GetObject") }],
    [
      "a Deny beside an Allow",
      {
        principalId: "u",
        policyDocument: { Statement: [...policy("Allow", "*").Statement, ...policy("Deny", methodArn).Statement] },
      },
    ],
  ])("forbids (403) %s", (_name, result) => {
    expect(evaluateAuthorizerResult(result, methodArn)).toEqual({
      allowed: false,
      refusal: { statusCode: 403, message: "Forbidden" },
    });
  });

  it.each([
    ["no policy", { principalId: "u" }],
    ["a string", "Allow"],
    [
      "an object in the context",
      { principalId: "u", policyDocument: policy("Allow", methodArn), context: { o: { a: 1 } } },
    ],
  ])("fails (500) on %s", (_name, result) => {
    expect(evaluateAuthorizerResult(result, methodArn)).toMatchObject({ allowed: false, refusal: { statusCode: 500 } });
  });
});

describe("decisionForThrow", () => {
  it('is 401 for "Unauthorized" and 500 for anything else', () => {
    expect(decisionForThrow(new Error("Unauthorized"))).toMatchObject({ refusal: { statusCode: 401 } });
    expect(decisionForThrow("Unauthorized")).toMatchObject({ refusal: { statusCode: 401 } });
    expect(decisionForThrow(new Error("db down"))).toMatchObject({ refusal: { statusCode: 500 } });
  });
});
