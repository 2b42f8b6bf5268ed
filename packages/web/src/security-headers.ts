/**
 * The security headers the web app is served with: one definition for CloudFront (infra/web.ts
 * turns it into a response headers policy) and for the Vite dev server (vite.config.ts), so a
 * page that breaks the policy breaks in the browser tests as it would on AWS.
 *
 * Pure: no imports, no Node or DOM APIs beyond `URL`; infra/ bundles it into sst.config.ts.
 *
 * The policy allows exactly what the app talks to: its own origin (the page, its scripts and
 * styles), the HTTP API, the WebSocket API and Cognito's endpoint (Amplify's sign-in and token
 * refresh). Nothing inline, nothing evaluated, no frames in or out.
 */

/** Where the app connects: full URLs are fine, only their origins enter the policy. */
export interface AppEndpoints {
  /** The HTTP API (`VITE_API_URL`), e.g. `https://abc.execute-api.eu-west-1.amazonaws.com`. */
  api: string;
  /** The WebSocket API (`VITE_WS_URL`), e.g. `wss://def.execute-api.eu-west-1.amazonaws.com/$default`. */
  webSocket: string;
  /** Cognito's user pool endpoint: {@link cognitoEndpoint} on AWS, `VITE_COGNITO_ENDPOINT` locally. */
  cognito: string;
}

export interface PolicyOptions {
  /**
   * A per-response nonce for the inline `<script>` and `<style>` elements a dev server injects
   * (Vite's `html.cspNonce`: the React refresh preamble, hot-updated styles). The production
   * build has none and needs none.
   */
  nonce?: string;
}

/** The endpoint Amplify signs in against on AWS (the user pool's region). */
export function cognitoEndpoint(region: string): string {
  return `https://cognito-idp.${region}.amazonaws.com`;
}

/** `scheme://host[:port]` of a URL: a CSP source that allows the whole service, not one path. */
export function originOf(url: string): string {
  const { protocol, host } = new URL(url);
  return `${protocol}//${host}`;
}

/** The directives, in the order they are written. */
export function contentSecurityPolicyDirectives(
  endpoints: AppEndpoints,
  options: PolicyOptions = {},
): Record<string, readonly string[]> {
  const nonce = options.nonce === undefined ? [] : [`'nonce-${options.nonce}'`];
  return {
    "default-src": ["'self'"],
    "script-src": ["'self'", ...nonce],
    "style-src": ["'self'", ...nonce],
    // `data:` for the inline favicon (index.html) and small images Vite inlines into CSS.
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'", originOf(endpoints.api), originOf(endpoints.webSocket), originOf(endpoints.cognito)],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
  };
}

/** The `Content-Security-Policy` header value. */
export function contentSecurityPolicy(endpoints: AppEndpoints, options: PolicyOptions = {}): string {
  return Object.entries(contentSecurityPolicyDirectives(endpoints, options))
    .map(([directive, sources]) => `${directive} ${sources.join(" ")}`)
    .join("; ");
}

/**
 * The other headers, as values CloudFront's response headers policy takes field by field.
 * HSTS: two years, the common preload-list minimum; not `includeSubDomains`, because the app
 * may be served from a subdomain of a domain whose other hosts it does not own.
 */
export const strictTransportSecurity = { maxAgeSeconds: 63_072_000, includeSubDomains: false, preload: false } as const;
/** Nothing the app requests needs a referrer; order ids in paths stay on the page. */
export const referrerPolicy = "no-referrer";
/** The legacy twin of `frame-ancestors 'none'`, for browsers that ignore CSP's. */
export const frameOptions = "DENY";

/** Every security header of a response of the web app, by name. */
export function securityHeaders(endpoints: AppEndpoints, options: PolicyOptions = {}): Record<string, string> {
  const hsts = [
    `max-age=${strictTransportSecurity.maxAgeSeconds}`,
    ...(strictTransportSecurity.includeSubDomains ? ["includeSubDomains"] : []),
    ...(strictTransportSecurity.preload ? ["preload"] : []),
  ].join("; ");
  return {
    "Content-Security-Policy": contentSecurityPolicy(endpoints, options),
    "Strict-Transport-Security": hsts,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": referrerPolicy,
    "X-Frame-Options": frameOptions,
  };
}
