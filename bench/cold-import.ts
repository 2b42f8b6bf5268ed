/**
 * Phase "cold": the cold start share of each handler: bundle it the way SST does for Lambda
 * (packages/local/src/testing/sst-bundle.ts), then import the bundle in a fresh `node` process,
 * repeatedly; the time to import the module (what Lambda's init phase spends on our code) and the
 * whole process's wall time are reported, and the import as a ratio to a trivial handler's
 * (one line, nothing imported) measured in the same run, so runs on a loaded machine compare.
 */
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { appFunctions } from "@live-orders/functions/routes";
import { rootDir } from "@live-orders/local/testing/app-stack";
import { bundleLikeSst, handlerFile } from "@live-orders/local/testing/sst-bundle";
import { type Bench, progress, settings } from "./bench-context";
import { median } from "./stats";

const run = promisify(execFile);

export interface ColdImport {
  handler: string;
  bundleKb: number;
  importMs: number;
  /** `importMs` over the trivial handler's in the same run. */
  importRatio: number;
  processMs: number;
}

/** The baseline every import is compared with: a handler that imports nothing. */
export const trivialHandler = "trivial (baseline)";

export async function measureColdImports(options: {
  rootDir: string;
  outDir: string;
  /** Handler source files, from the root. */
  files: readonly string[];
  repeats: number;
  env: Record<string, string>;
  progress: (line: string) => void;
}): Promise<ColdImport[]> {
  mkdirSync(options.outDir, { recursive: true });
  const probe = join(options.outDir, "probe.mjs");
  writeFileSync(
    probe,
    `const started = performance.now();\nawait import(process.argv[2]);\nprocess.stdout.write(String(performance.now() - started));\n`,
  );
  const trivialSource = join(options.outDir, "trivial-handler.ts");
  writeFileSync(trivialSource, "export const handler = async () => ({ statusCode: 200 });\n");
  const measured: Omit<ColdImport, "importRatio">[] = [];
  for (const file of [trivialSource, ...options.files]) {
    const trivial = file === trivialSource;
    const name = trivial ? trivialHandler : file.replace(/^packages\/functions\/src\//, "").replace(/\.ts$/, "");
    const outfile = join(options.outDir, `${name.replace(/[/ ()]/g, "-")}.mjs`);
    const bundle = await bundleLikeSst(options.rootDir, trivial ? relative(options.rootDir, file) : file, outfile);
    const imports: number[] = [];
    const processes: number[] = [];
    for (let i = 0; i < options.repeats; i++) {
      const started = performance.now();
      const { stdout } = await run(process.execPath, [probe, pathToFileURL(outfile).href], {
        env: { PATH: process.env.PATH ?? "", ...options.env },
        timeout: 30_000,
      });
      processes.push(performance.now() - started);
      imports.push(Number(stdout));
    }
    measured.push({
      handler: name,
      bundleKb: Math.round(bundle.bytes / 1024),
      importMs: median(imports),
      processMs: median(processes),
    });
  }
  const baseline = measured[0]?.importMs ?? 1;
  const results = measured.map((entry) => ({ ...entry, importRatio: entry.importMs / baseline }));
  for (const result of results) {
    options.progress(
      `    ${result.handler.padEnd(20)} ${String(result.bundleKb).padStart(5)} KB  import ${result.importMs.toFixed(1)} ms (${result.importRatio.toFixed(1)}× trivial)`,
    );
  }
  return results;
}

/**
 * Every handler of the route table (one per file), with the handlers' links and the app's own
 * settings (the authorizer reads its web origins at import), not the rest of their environment.
 */
export async function measureHandlerColdImports(bench: Bench): Promise<ColdImport[]> {
  progress("cold imports of the bundled handlers …");
  const links = Object.entries(bench.stack.handlerEnvironment).filter(
    ([key]) =>
      key.startsWith("SST_RESOURCE_") ||
      key.startsWith("AWS_") ||
      key.startsWith("LIVE_ORDERS_") ||
      key === "POWERTOOLS_LOG_LEVEL",
  );
  return measureColdImports({
    rootDir,
    outDir: join(rootDir, ".local", "bench", "bundles"),
    files: [...new Set(appFunctions().map((fn) => handlerFile(fn.handler)))],
    repeats: settings.coldRepeats,
    env: Object.fromEntries(links),
    progress,
  });
}
