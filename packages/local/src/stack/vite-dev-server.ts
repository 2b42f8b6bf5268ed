import { fileURLToPath } from "node:url";
import { PartName, PortEnv } from "../config";
import { ComponentStartError, PortInUseError } from "../errors";
import { ManagedChild, waitUntilReady } from "./managed-child";
import { assertPortFree, findFreePort } from "./ports";

const RUNNER = fileURLToPath(new URL("./web-dev-server.mjs", import.meta.url));
const HOST = "127.0.0.1";

export interface ViteDevServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts Vite for packages/web in a child process (its file watchers and HMR server then die
 * with a signal) with the client's `VITE_*` configuration in its environment.
 */
export async function startViteDevServer(o: {
  webRoot: string;
  port?: number;
  env: Record<string, string>;
  logFile?: string;
  readyTimeoutMs?: number;
}): Promise<ViteDevServer> {
  if (o.port) await assertPortFree({ port: o.port, part: PartName.web, envVar: PortEnv.web });
  const port = o.port || (await findFreePort());
  let portTaken = false;
  const child = ManagedChild.start({
    name: PartName.web,
    command: process.execPath,
    args: [RUNNER, o.webRoot, String(port), HOST],
    cwd: o.webRoot,
    env: { ...process.env, ...o.env, NODE_OPTIONS: "", BROWSER: "none" },
    logFile: o.logFile,
    parentWatch: "ipc",
    onLine: (line) => {
      if (/EADDRINUSE|Port \d+ is already in use/.test(line)) portTaken = true;
    },
  });
  const url = `http://${HOST}:${port}/`;
  try {
    await waitUntilReady({
      child,
      timeoutMs: o.readyTimeoutMs ?? 60_000,
      poll: async () => (await fetch(url)).ok,
    });
  } catch (error) {
    await child.stop();
    if (portTaken) throw new PortInUseError({ port, part: PartName.web, envVar: PortEnv.web });
    throw new ComponentStartError({
      component: PartName.web,
      reason: error instanceof Error ? error.message : String(error),
      logTail: child.tail(),
      logFile: o.logFile,
    });
  }
  return { url, port, stop: () => child.stop() };
}
