// The Vite dev server of packages/web as a child of the local stack, through Vite's JS API
// (the same config file `vite` would load). Arguments: <web root> <port> <host>.
// It exits when the stack's process goes away (the IPC channel closes) or on SIGTERM/SIGINT.
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [root, port, host] = process.argv.slice(2);
// Vite is packages/web's dependency: resolve it from there.
const vitePath = createRequire(join(root, "package.json")).resolve("vite");
const { createServer } = await import(pathToFileURL(vitePath).href);

const server = await createServer({
  root,
  configFile: undefined,
  clearScreen: false,
  server: { port: Number(port), host, strictPort: true },
});
let closing = false;
const close = async () => {
  if (closing) return;
  closing = true;
  await server.close().catch(() => {});
  process.exit(0);
};
process.on("SIGTERM", close);
process.on("SIGINT", close);
process.on("disconnect", close);
try {
  await server.listen();
} catch (error) {
  console.error(`vite failed: ${error?.code ?? ""} ${error?.message ?? error}`);
  process.exit(1);
}
console.log(`vite ready at ${server.resolvedUrls?.local?.[0] ?? `http://${host}:${port}/`}`);
