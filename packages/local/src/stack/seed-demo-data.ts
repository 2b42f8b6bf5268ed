import { fork } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { DemoUser } from "@live-orders/core/demo-data";
import { LocalStackError } from "../errors";
import type { HandlerEnvironment } from "../lambda/runtime-process";
import type { SeedReply } from "./seed-demo-data-main";

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/**
 * The demo orders of SPEC §6, written by core's `seedDemoData` in a process of its own that has
 * the handlers' environment, as `sst shell -- <script>` runs a script with an app's links: core
 * finds its table through `Resource` (SST_RESOURCE_Table) and DynamoDB Local through
 * LIVE_ORDERS_DYNAMODB_ENDPOINT, which only that environment holds; the orchestrator's own
 * environment stays as it was.
 */
export async function seedDemoData(o: {
  rootDir: string;
  environment: HandlerEnvironment;
  users: readonly DemoUser[];
}): Promise<void> {
  const entry = fileURLToPath(new URL("./seed-demo-data-main.ts", import.meta.url));
  const seeder = fork(entry, [], {
    cwd: o.rootDir,
    env: { ...process.env, ...o.environment },
    execArgv: ["--import", tsxLoader],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    serialization: "advanced",
  });
  let failure: string | undefined;
  seeder.on("message", (reply: SeedReply) => {
    failure = reply.error;
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    seeder.once("error", reject);
    seeder.once("exit", (code) => resolve(code));
  });
  seeder.send(o.users);
  const code = await exited;
  if (code !== 0)
    throw new LocalStackError(`The demo data could not be seeded: ${failure ?? `the seeder exited with ${code}`}`);
}
