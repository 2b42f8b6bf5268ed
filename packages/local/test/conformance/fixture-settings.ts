/**
 * What the fixture APIs are configured with, locally (target.ts) and on AWS
 * (deploy/sst.config.ts) alike: one source, so a deployed target is the local one's twin.
 */

/** The HTTP API's JWT audience (the tokens' `client_id`, or `aud` for id tokens). */
export const audience = "conformance-client";
/** The scopes `GET /scoped` requires (one of them); the access token carries `orders/write`. */
export const scopedRouteScopes = ["orders/write", "orders/admin"] as const;
/** The one origin the HTTP API's CORS allows (a name only: nothing is served there). */
export const corsOrigin = "http://app.conformance.test";
