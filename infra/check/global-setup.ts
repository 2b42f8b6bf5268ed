/**
 * Global setup of the vitest `infra` project: makes sure SST's platform is installed
 * (`sst install`, offline flags, cached — a fresh clone pays about a minute once), and that the
 * web build's output directory exists, because StaticSite checks for it after its (here not
 * executed) build command.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureSstInstalled } from "./sst-install";

const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const webDist = path.join(rootDir, "packages/web/dist");

export default async function setup() {
  const result = await ensureSstInstalled({
    rootDir,
    log: (line) => process.stdout.write(`[infra] ${line}\n`),
  });
  process.stdout.write(
    `[infra] sst install ${result.cached ? "cached" : "ran"} (${(result.durationMs / 1000).toFixed(1)} s)\n`,
  );

  const createdDist = !fs.existsSync(webDist);
  if (createdDist) fs.mkdirSync(webDist, { recursive: true });
  return () => {
    // Only an empty directory we made ourselves goes; a real build written meanwhile stays.
    if (createdDist && fs.existsSync(webDist) && fs.readdirSync(webDist).length === 0) fs.rmdirSync(webDist);
  };
}
