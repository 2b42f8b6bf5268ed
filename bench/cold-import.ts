/**
 * Phase "cold": the cold start share of each handler: bundle it the way SST does for Lambda (esbuild, ESM, node
 * target, everything bundled including the AWS SDK, minified, with SST's createRequire banner),
 * then import the bundle in a fresh `node` process, repeatedly; the time to import the module
 * (what Lambda's init phase spends on our code) and the whole process's wall time are reported.
 */
import { execFile } from "node:child_process";
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { httpApi, streamSubscriber, webSocketApi } from "@live-orders/functions/routes";
import { rootDir } from "@live-orders/local/testing/app-stack";
import { build } from "esbuild";
import { type Bench, progress, settings } from "./bench-context";
import { median } from "./stats";

const run = promisify(execFile);

export interface ColdImport {
  handler: string;
  bundleKb: number;
  importMs: number;
  processMs: number;
}

/** SST's Node runtime banner: bundled CommonJS dependencies still find `require`. */
const banner = [
  `import { createRequire as topLevelCreateRequire } from 'module';`,
  `const require = topLevelCreateRequire(import.meta.url);`,
  `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
  `const __filename = topLevelFileUrlToPath(import.meta.url)`,
  `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
].join("\n");

export async function measureColdImports(options: {
  rootDir: string;
  outDir: string;
  handlers: readonly string[];
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
  const results: ColdImport[] = [];
  for (const ref of options.handlers) {
    const dot = ref.lastIndexOf(".");
    const file = `${ref.slice(0, dot)}.ts`;
    const name = file.replace(/^packages\/functions\/src\//, "").replace(/\.ts$/, "");
    const outfile = join(options.outDir, `${name.replace(/\//g, "-")}.mjs`);
    await build({
      entryPoints: [join(options.rootDir, file)],
      outfile,
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node20",
      minify: true,
      mainFields: ["module", "main"],
      banner: { js: banner },
      logLevel: "error",
    });
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
    const result = {
      handler: name,
      bundleKb: Math.round(statSync(outfile).size / 1024),
      importMs: median(imports),
      processMs: median(processes),
    };
    options.progress(
      `    ${name.padEnd(20)} ${String(result.bundleKb).padStart(5)} KB  import ${result.importMs.toFixed(1)} ms`,
    );
    results.push(result);
  }
  return results;
}

/** Every handler of the route table (one per file), with the handlers' links, not the rest of their environment. */
export async function measureHandlerColdImports(bench: Bench): Promise<ColdImport[]> {
  progress("cold imports of the bundled handlers …");
  const refs = [
    webSocketApi.authorizer.handler,
    ...Object.values(webSocketApi.routes).map((route) => route.handler),
    ...Object.values(httpApi.routes).map((route) => route.handler),
    streamSubscriber.handler,
  ];
  const links = Object.entries(bench.stack.handlerEnvironment).filter(
    ([key]) => key.startsWith("SST_RESOURCE_") || key.startsWith("AWS_") || key === "POWERTOOLS_LOG_LEVEL",
  );
  return measureColdImports({
    rootDir,
    outDir: join(rootDir, ".local", "bench", "bundles"),
    handlers: [...new Set(refs.map((ref) => `${ref.slice(0, ref.lastIndexOf("."))}.handler`))],
    repeats: settings.coldRepeats,
    env: Object.fromEntries(links),
    progress,
  });
}
