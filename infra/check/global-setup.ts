/**
 * Global setup of the vitest `infra` project: makes sure SST's platform is installed
 * (`sst install`, offline flags, cached — a fresh clone pays about a minute once, with
 * progress printed meanwhile).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureSstInstalled } from "./sst-install";

const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export default async function setup() {
  const result = await ensureSstInstalled({
    rootDir,
    log: (line) => process.stdout.write(`[infra] ${line}\n`),
  });
  process.stdout.write(
    `[infra] sst install ${result.cached ? "cached" : "ran"} (${(result.durationMs / 1000).toFixed(1)} s)\n`,
  );
}
