import {
  cognitoEndpoint,
  contentSecurityPolicy,
  frameOptions,
  referrerPolicy,
  strictTransportSecurity,
} from "@live-orders/web/security-headers";
import { api } from "./api";
import { region, userPool, webClient } from "./auth";
import { realtime } from "./realtime";

/**
 * The headers CloudFront adds to every response of the app, from the one definition the local
 * web server uses too (packages/web/src/security-headers.ts). `override`: CloudFront's value
 * wins over anything the origin (S3) might send.
 */
export const securityHeadersPolicy = new aws.cloudfront.ResponseHeadersPolicy("WebSecurityHeaders", {
  name: `${$app.name}-${$app.stage}-web-security-headers`,
  comment: "Live Orders web app: CSP, HSTS, nosniff, referrer policy, no framing",
  securityHeadersConfig: {
    contentSecurityPolicy: {
      contentSecurityPolicy: $resolve([api.url, realtime.url, region]).apply(([apiUrl, webSocketUrl, region]) =>
        contentSecurityPolicy({ api: apiUrl, webSocket: webSocketUrl, cognito: cognitoEndpoint(region) }),
      ),
      override: true,
    },
    strictTransportSecurity: {
      accessControlMaxAgeSec: strictTransportSecurity.maxAgeSeconds,
      includeSubdomains: strictTransportSecurity.includeSubDomains,
      preload: strictTransportSecurity.preload,
      override: true,
    },
    contentTypeOptions: { override: true },
    referrerPolicy: { referrerPolicy, override: true },
    frameOptions: { frameOption: frameOptions, override: true },
  },
});

/**
 * What is uploaded, and how browsers may cache it: SST's defaults (hashed assets immutable,
 * HTML never cached), except that no source map is ever uploaded — they would publish the
 * app's sources. The build does not emit any (below); this holds even if a build config did.
 */
export const webFileOptions = [
  { files: "**", ignore: "**/*.map", cacheControl: "max-age=31536000,public,immutable" },
  { files: "**/*.html", cacheControl: "max-age=0,no-cache,no-store,must-revalidate" },
];

/**
 * The browser app: Vite builds `packages/web` with the deployed endpoints baked in as `VITE_*`,
 * served from S3 through CloudFront. Without `VITE_COGNITO_ENDPOINT` the client signs in with
 * SRP against the real pool. Under `sst dev` SST runs `npm run dev` with the same variables.
 */
export const web = new sst.aws.StaticSite("Web", {
  path: "packages/web",
  build: {
    // Vite's CLI flag wins over `build.sourcemap` in vite.config.ts: the deployed build emits
    // no source maps (local `vite build`s keep them for debugging).
    command: "npm run build -- --sourcemap false",
    output: "dist",
  },
  assets: { fileOptions: webFileOptions },
  environment: {
    VITE_API_URL: api.url,
    VITE_WS_URL: realtime.url,
    VITE_USER_POOL_ID: userPool.id,
    VITE_USER_POOL_CLIENT_ID: webClient.id,
    VITE_REGION: region,
  },
  transform: {
    cdn: (args) => {
      args.defaultCacheBehavior = $util
        .output(args.defaultCacheBehavior)
        .apply((behavior) =>
          securityHeadersPolicy.id.apply((responseHeadersPolicyId) => ({ ...behavior, responseHeadersPolicyId })),
        );
    },
  },
});
