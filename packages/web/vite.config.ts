import { randomBytes } from "node:crypto";
import react from "@vitejs/plugin-react";
import { defineConfig, loadEnv } from "vite";
import { cognitoEndpoint, securityHeaders } from "./src/security-headers";

// `vite --port N --host H` wins over these (CLI flags override config); `PORT` lets the
// local stack pick a free port without building a command line.
const port = process.env.PORT ? Number(process.env.PORT) : undefined;

/**
 * The dev server (and `vite preview`) send the security headers CloudFront sends
 * (src/security-headers.ts, infra/web.ts), so a page that breaks the CSP fails in the browser
 * tests as it would on AWS. Vite injects a few inline elements in development (the React
 * refresh preamble, hot-updated styles): they carry this nonce (`html.cspNonce`), one per
 * server start, and the policy admits nothing else inline. The production build needs none.
 */
function devSecurityHeaders(
  env: Record<string, string>,
): { headers: Record<string, string>; nonce: string } | undefined {
  if (!env.VITE_API_URL || !env.VITE_WS_URL) return undefined;
  const nonce = randomBytes(16).toString("base64");
  const cognito = env.VITE_COGNITO_ENDPOINT || cognitoEndpoint(env.VITE_REGION || "us-east-1");
  return { headers: securityHeaders({ api: env.VITE_API_URL, webSocket: env.VITE_WS_URL, cognito }, { nonce }), nonce };
}

export default defineConfig(({ command, mode }) => {
  const security = command === "serve" ? devSecurityHeaders(loadEnv(mode, process.cwd(), "VITE_")) : undefined;
  if (command === "serve" && security === undefined) {
    console.warn("vite: VITE_API_URL / VITE_WS_URL unset, so no Content-Security-Policy is sent");
  }
  return {
    plugins: [react()],
    ...(security ? { html: { cspNonce: security.nonce } } : {}),
    server: {
      host: "127.0.0.1",
      ...(port !== undefined ? { port, strictPort: true } : {}),
      ...(security ? { headers: security.headers } : {}),
      // Transform the entry and the lazy sign-in chunk at startup, not on the first visit.
      warmup: { clientFiles: ["./src/main.tsx", "./src/components/sign-in.tsx"] },
    },
    // Pre-bundle every dependency up front. Discovered late (e.g. when the lazy Authenticator
    // chunk is first requested), Vite re-optimizes and reloads the page: a dev session — or a
    // browser test asserting "no reload" — would lose its state.
    optimizeDeps: {
      include: [
        "react",
        "react-dom/client",
        "react/jsx-runtime",
        "react/jsx-dev-runtime",
        "aws-amplify",
        "aws-amplify/auth",
        "aws-amplify/auth/cognito",
        "aws-amplify/utils",
        "@aws-amplify/ui-react",
      ],
    },
    preview: { host: "127.0.0.1", ...(security ? { headers: security.headers } : {}) },
    build: {
      target: "es2022",
      sourcemap: true,
    },
  };
});
