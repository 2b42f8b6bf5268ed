/**
 * `npm run check:infra`: the offline checks of the AWS app, in order —
 *   1. `sst install` (offline flags; skipped when sst's version and the config's providers are unchanged),
 *   2. `tsc` of sst.config.ts and infra/ against .sst/platform/config.d.ts,
 *   3. the resource-graph test (vitest project `infra`: sst.config.ts under Pulumi mocks).
 * Exits non-zero on the first failure. No AWS account or network beyond the npm registry needed.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureSstInstalled } from "./sst-install";

const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bin = (name: string) => path.join(rootDir, "node_modules", ".bin", name);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function step(command: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: rootDir, stdio: "inherit" });
    child.on("error", reject);
    child.on("close", (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<number> {
  let started = Date.now();
  console.log("check:infra 1/3 sst install");
  const install = await ensureSstInstalled({ rootDir, log: (line) => console.log(`  ${line}`) });
  console.log(
    `  ${install.cached ? "cached: nothing relevant changed" : "installed"} (${seconds(install.durationMs)})`,
  );

  started = Date.now();
  console.log("check:infra 2/3 tsc -p infra/tsconfig.json (sst.config.ts, infra/ against .sst/platform/config.d.ts)");
  if ((await step(bin("tsc"), ["-p", "infra/tsconfig.json"])) !== 0) return 1;
  console.log(`  types ok (${seconds(Date.now() - started)})`);

  started = Date.now();
  console.log("check:infra 3/3 resource graph under Pulumi mocks (vitest --project infra)");
  if ((await step(bin("vitest"), ["run", "--project", "infra"])) !== 0) return 1;
  console.log(`  graph ok (${seconds(Date.now() - started)})`);
  return 0;
}

process.exitCode = await main();
