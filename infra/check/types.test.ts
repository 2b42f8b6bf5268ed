/**
 * The SST apps type-check against SST's platform (`.sst/platform/config.d.ts`, which the
 * project's global setup installs): the app itself (sst.config.ts and infra/) and the
 * conformance suite's fixture stack (packages/local/test/conformance/deploy). `tsc -b` cannot
 * reach them (their programs need `$config` and SST's own compiler options), so without this
 * `npm test` would not notice an infra file that no longer compiles.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const tsc = path.join(rootDir, "node_modules", ".bin", "tsc");

async function typeCheck(project: string): Promise<string> {
  try {
    await promisify(execFile)(tsc, ["-p", project], { cwd: rootDir });
    return "";
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    return `${stdout ?? ""}${stderr ?? ""}` || String(error);
  }
}

describe("SST apps against SST's platform types", () => {
  it.each([
    ["the app (sst.config.ts, infra/)", "infra/tsconfig.json"],
    ["the conformance fixture stack", "packages/local/test/conformance/deploy"],
  ])("%s compiles", async (_name, project) => {
    expect(await typeCheck(project)).toBe("");
  });
});
