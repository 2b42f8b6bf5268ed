import { api } from "./api";
import { region, userPool, webClient } from "./auth";
import { realtime } from "./realtime";

/**
 * The browser app: Vite builds `packages/web` with the deployed endpoints baked in as `VITE_*`,
 * served from S3 through CloudFront. Without `VITE_COGNITO_ENDPOINT` the client signs in with
 * SRP against the real pool. Under `sst dev` SST runs `npm run dev` with the same variables.
 */
export const web = new sst.aws.StaticSite("Web", {
  path: "packages/web",
  build: {
    command: "npm run build",
    output: "dist",
  },
  environment: {
    VITE_API_URL: api.url,
    VITE_WS_URL: realtime.url,
    VITE_USER_POOL_ID: userPool.id,
    VITE_USER_POOL_CLIENT_ID: webClient.id,
    VITE_REGION: region,
  },
});
