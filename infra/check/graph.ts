/**
 * Evaluates sst.config.ts offline and returns its resource graph.
 *
 * The config is bundled the way the `sst` CLI bundles it before a deploy: esbuild, SST's shim
 * injected for the `$` globals, `sst` = the platform's components, one global per provider of
 * .sst/provider-lock.json, an entry calling `run` from the platform's auto/run.ts. The bundle is
 * written under .sst/platform/ (so `@pulumi/*` resolve to the versions `sst install` put there)
 * and run in a child Node process with infra/check/harness.ts standing in for the Pulumi engine
 * and SST's RPC server. A child process keeps Pulumi's global mock state out of the test runner.
 */

import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { build, type Plugin } from "esbuild";
import type { Graph } from "./graph-types";
import { platformDir, readAppConfig } from "./sst-install";

export interface EvaluateOptions {
  rootDir: string;
  stage: string;
  /**
   * Build output directories of static sites (relative to the root), e.g. "packages/web/dist".
   * The site's build command does not run under mocks, yet StaticSite checks that its output
   * exists: the evaluation runs in a scratch root holding these (empty) directories, so it
   * neither depends on nor writes to the real package (no race with a concurrent `vite build`,
   * no generated files).
   */
  staticSiteOutputs?: readonly string[];
  /**
   * Files to put into the scratch root before the evaluation (path relative to the root →
   * content), e.g. a stand-in build output, to see what a StaticSite would upload from it.
   */
  scratchFiles?: Readonly<Record<string, string>>;
  /**
   * Environment of the evaluation, e.g. `SST_SECRET_<name>`: the values `sst secret set` gives a
   * stage, which the CLI hands to the program the same way.
   */
  env?: Readonly<Record<string, string>>;
  /** Default 180 s: loading @pulumi/aws alone takes seconds on a busy machine. */
  timeoutMs?: number;
}

interface ProviderLockEntry {
  name: string;
  package: string;
  alias: string;
}

/** Bare imports stay external (resolved at run time from .sst/platform/node_modules) except the workspace's own packages. */
const externalsExceptWorkspace: Plugin = {
  name: "externals-except-workspace",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith("@live-orders/")) return undefined;
      if (path.isAbsolute(args.path)) return undefined;
      return { path: args.path, external: true };
    });
  },
};

export async function evaluateGraph(options: EvaluateOptions): Promise<Graph> {
  const { rootDir, stage } = options;
  const platform = platformDir(rootDir);
  if (!fs.existsSync(path.join(platform, "config.d.ts"))) {
    throw new Error(`${platform} is missing: run \`npm run check:infra\` (it runs \`sst install\`) first`);
  }
  const tmp = fs.mkdtempSync(path.join(platform, ".live-orders-graph-"));
  try {
    const providers = JSON.parse(
      fs.readFileSync(path.join(rootDir, ".sst", "provider-lock.json"), "utf8"),
    ) as ProviderLockEntry[];
    // The globals sst.config.ts and infra/ use without importing them: SST's shim (`$config`,
    // `$interpolate`, …), `sst` = the components, and one namespace per provider. Set on
    // globalThis by a prelude evaluated before anything else (esbuild `inject` would import them
    // into every platform module and create import cycles among the components).
    const preludeFile = path.join(tmp, "prelude.ts");
    fs.writeFileSync(
      preludeFile,
      [
        `import * as shim from ${JSON.stringify(path.join(platform, "src/shim/run.js"))};`,
        `import * as sst from ${JSON.stringify(path.join(platform, "src/components/index.ts"))};`,
        ...providers.map((p) => `import * as ${p.alias} from ${JSON.stringify(p.package)};`),
        `export function installGlobals() {`,
        `  Object.assign(globalThis, shim, { sst, ${providers.map((p) => p.alias).join(", ")} });`,
        `}`,
      ].join("\n"),
    );
    // Dynamic imports: the config must not be evaluated before the prelude has set the globals.
    // (A named import, not a bare one: .sst/platform/package.json declares "sideEffects": false.)
    const entry = [
      `import { installGlobals } from ${JSON.stringify(preludeFile)};`,
      `installGlobals();`,
      `const { evaluate } = await import(${JSON.stringify(path.join(rootDir, "infra/check/harness.ts"))});`,
      `const { run } = await import(${JSON.stringify(path.join(platform, "src/auto/run.ts"))});`,
      `const { default: config } = await import(${JSON.stringify(path.join(rootDir, "sst.config.ts"))});`,
      `await evaluate({ config, run });`,
    ].join("\n");
    const outfile = path.join(tmp, "bundle.mjs");
    const workDir = path.join(tmp, "work");
    fs.mkdirSync(workDir);
    const scratchRoot = path.join(tmp, "root");
    for (const dir of options.staticSiteOutputs ?? []) fs.mkdirSync(path.join(scratchRoot, dir), { recursive: true });
    fs.mkdirSync(scratchRoot, { recursive: true });
    for (const [file, content] of Object.entries(options.scratchFiles ?? {})) {
      fs.mkdirSync(path.dirname(path.join(scratchRoot, file)), { recursive: true });
      fs.writeFileSync(path.join(scratchRoot, file), content);
    }
    // The CLI's globals, fixed at bundle time as SST fixes them (components read them at import).
    const app = await readAppConfig(rootDir, stage);
    const define = {
      $app: JSON.stringify({
        name: app.name,
        stage,
        removal: app.removal ?? "retain",
        protect: app.protect ?? false,
        providers: app.providers ?? {},
      }),
      $cli: JSON.stringify({
        command: "deploy",
        // The app's code is bundled from rootDir above; at run time SST's components only use
        // the root for paths (site directories, build outputs), which the scratch root provides.
        paths: { root: scratchRoot, platform, work: workDir },
        state: { version: {} },
      }),
      $dev: "false",
    };
    await build({
      define,
      stdin: { contents: entry, resolveDir: rootDir, loader: "ts", sourcefile: "graph-entry.ts" },
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      outfile,
      plugins: [externalsExceptWorkspace],
      // As SST's own bundle: CommonJS helpers for code that still reaches for them.
      banner: {
        js: [
          `import { createRequire as topLevelCreateRequire } from "module";`,
          `const require = topLevelCreateRequire(import.meta.url);`,
          `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url";`,
          `const __filename = topLevelFileUrlToPath(import.meta.url);`,
          `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url));`,
        ].join("\n"),
      },
      sourcemap: "inline",
      logLevel: "silent",
    });

    const outFile = path.join(tmp, "graph.json");
    // Stage settings come from `options.env` only, never from the shell running the tests.
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("SST_SECRET_")));
    const { code, output } = await runChild(
      outfile,
      {
        ...inherited,
        SST_SKIP_DEPENDENCY_CHECK: "1",
        SST_NO_BUN: "1",
        SST_TELEMETRY_DISABLED: "1",
        ...options.env,
        LIVE_ORDERS_GRAPH_OUT: outFile,
        LIVE_ORDERS_WORK: workDir,
      },
      options.timeoutMs ?? 180_000,
    );
    if (code !== 0 || !fs.existsSync(outFile)) {
      throw new Error(`evaluating sst.config.ts (stage ${stage}) failed with exit code ${code}:\n${output}`);
    }
    return JSON.parse(fs.readFileSync(outFile, "utf8")) as Graph;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function runChild(file: string, env: NodeJS.ProcessEnv, timeoutMs: number) {
  return new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ["--enable-source-maps", file], { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`evaluating sst.config.ts timed out after ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
