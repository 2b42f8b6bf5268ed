import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `vite --port N --host H` wins over these (CLI flags override config); `PORT` lets the
// local stack pick a free port without building a command line.
const port = process.env.PORT ? Number(process.env.PORT) : undefined;

export default defineConfig({
  plugins: [react()],
  server: {
    host: "127.0.0.1",
    ...(port !== undefined ? { port, strictPort: true } : {}),
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
  preview: { host: "127.0.0.1" },
  build: {
    target: "es2022",
    sourcemap: true,
  },
});
