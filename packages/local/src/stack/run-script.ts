import { fork } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { LocalStackError } from "../errors";
import type { HandlerEnvironment } from "../lambda/runtime-process";
import type { ScriptReply, ScriptRequest } from "./run-script-main";

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/**
 * Calls an exported function of the app (`path/from/root/file.export`, as SST names handlers) in a
 * process of its own that has the handlers' environment, as `sst shell -- <script>` runs a script
 * with an app's links: the app's code finds its table through `Resource` and its local endpoints
 * through the variables only that environment holds; the orchestrator's own environment stays as
 * it was. An app's `seed` hook writes its demo data this way.
 */
export async function runScript(o: {
  rootDir: string;
  environment: HandlerEnvironment;
  ref: string;
  args: readonly unknown[];
}): Promise<void> {
  const entry = fileURLToPath(new URL("./run-script-main.ts", import.meta.url));
  const script = fork(entry, [], {
    cwd: o.rootDir,
    env: { ...process.env, ...o.environment },
    execArgv: ["--import", tsxLoader],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    serialization: "advanced",
  });
  let failure: string | undefined;
  script.on("message", (reply: ScriptReply) => {
    failure = reply.error;
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    script.once("error", reject);
    script.once("exit", (code) => resolve(code));
  });
  script.send({ rootDir: o.rootDir, ref: o.ref, args: [...o.args] } satisfies ScriptRequest);
  const code = await exited;
  if (code !== 0) throw new LocalStackError(`${o.ref} failed: ${failure ?? `the script exited with ${code}`}`);
}
