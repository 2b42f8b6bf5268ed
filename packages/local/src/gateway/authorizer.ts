import type { IncomingMessage } from "node:http";

/**
 * The WebSocket API's Lambda REQUEST authorizer, as API Gateway runs it on `$connect`.
 */

/** The upgrade's outcome when the authorizer does not let it through. */
export interface AuthorizerRefusal {
  readonly statusCode: 401 | 403 | 500;
  readonly message: string;
}

export type AuthorizerDecision =
  | { readonly allowed: true; readonly context: Record<string, unknown> }
  | { readonly allowed: false; readonly refusal: AuthorizerRefusal };

export const unauthorized: AuthorizerRefusal = { statusCode: 401, message: "Unauthorized" };
export const forbidden: AuthorizerRefusal = { statusCode: 403, message: "Forbidden" };
// API Gateway answers an authorizer that crashed or returned garbage with a 500
// (AuthorizerConfigurationException), not a 401: the client is not at fault.
export const authorizerFailure: AuthorizerRefusal = { statusCode: 500, message: "Internal server error" };

const identitySourcePattern = /^route\.request\.(querystring|header)\.(.+)$/;

/** Refuses, at start-up, identity sources this gateway cannot evaluate (rather than ignore them). */
export function assertSupportedIdentitySources(sources: readonly string[]): void {
  for (const source of sources) {
    if (!identitySourcePattern.test(source)) {
      throw new Error(
        `Unsupported identity source "${source}": use route.request.querystring.<name> or route.request.header.<name>`,
      );
    }
  }
}

/**
 * True when every identity source has a non-empty value. API Gateway checks this before
 * invoking the authorizer and answers 401 itself when one is missing.
 */
export function hasIdentitySources(sources: readonly string[], request: IncomingMessage, url: URL): boolean {
  return sources.every((source) => {
    const [, kind, name] = identitySourcePattern.exec(source) ?? [];
    if (!name) return false;
    const value = kind === "querystring" ? url.searchParams.get(name) : request.headers[name.toLowerCase()];
    return typeof value === "string" ? value.length > 0 : Array.isArray(value) && value.some(Boolean);
  });
}

/** IAM's wildcards in a policy's Resource: `*` any run of characters, `?` any one. */
function resourceMatches(pattern: string, arn: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${regex}$`).test(arn);
}

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

interface Statement {
  Effect?: unknown;
  Action?: unknown;
  Resource?: unknown;
}

/**
 * Turns the authorizer's result into API Gateway's decision: an explicit Deny on the method wins,
 * then an Allow lets it through, and a policy that allows nothing is a 403. A result that is not
 * a policy, or a context with non-scalar values, is a 500 as on AWS.
 */
export function evaluateAuthorizerResult(result: unknown, methodArn: string): AuthorizerDecision {
  const refuse = (refusal: AuthorizerRefusal): AuthorizerDecision => ({ allowed: false, refusal });
  if (result === "Unauthorized") return refuse(unauthorized);
  if (typeof result !== "object" || result === null) return refuse(authorizerFailure);
  const { principalId, policyDocument, context } = result as Record<string, unknown>;
  const statements = (policyDocument as { Statement?: unknown } | undefined)?.Statement;
  if (!Array.isArray(statements)) return refuse(authorizerFailure);

  const applies = (statement: Statement) =>
    asList(statement.Action).some(
      (action) => action === "execute-api:Invoke" || action === "execute-api:*" || action === "*",
    ) &&
    asList(statement.Resource).some((resource) => typeof resource === "string" && resourceMatches(resource, methodArn));
  const matching = (statements as Statement[]).filter(applies);
  if (matching.some((statement) => statement.Effect === "Deny")) return refuse(forbidden);
  if (!matching.some((statement) => statement.Effect === "Allow")) return refuse(forbidden);

  const values = Object.entries((context ?? {}) as Record<string, unknown>);
  if (values.some(([, value]) => value !== null && typeof value === "object")) return refuse(authorizerFailure);
  // Context values reach later events as strings (the spec and the REST/WebSocket mapping agree);
  // principalId sits beside them.
  const stringified = Object.fromEntries(
    values.filter(([, value]) => value !== undefined && value !== null).map(([key, value]) => [key, String(value)]),
  );
  return { allowed: true, context: { ...stringified, principalId: String(principalId ?? "") } };
}

/** A thrown authorizer is a 401 when it says "Unauthorized" (Lambda's documented convention), else a 500. */
export function decisionForThrow(error: unknown): AuthorizerDecision {
  const message = error instanceof Error ? error.message : String(error);
  return { allowed: false, refusal: message === "Unauthorized" ? unauthorized : authorizerFailure };
}
