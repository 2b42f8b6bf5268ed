import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `vite --port N --host H` wins over these (CLI flags override config); `PORT` lets the
// local stack pick a free port without building a command line.
const port = process.env["PORT"] ? Number(process.env["PORT"]) : undefined;

export default defineConfig({
  plugins: [react()],
  server: {
    host: "127.0.0.1",
    ...(port !== undefined ? { port, strictPort: true } : {}),
  },
  preview: { host: "127.0.0.1" },
  build: {
    target: "es2022",
    sourcemap: true,
  },
});
