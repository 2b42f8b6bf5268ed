/**
 * `sst install`, offline and cached.
 *
 * `sst install` unpacks SST's platform into .sst/platform/ (the component sources, config.d.ts)
 * and npm-installs its Pulumi providers: ~1 minute and ~300 MB. It only has to run again when
 * what it installs changes: the sst version, or the providers/home that sst.config.ts's `app()`
 * declares. That is the cache key; it is stored next to the platform and checked together with
 * the files the checks need.
 */

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { build } from "esbuild";

/** The flags that let the CLI run with no network beyond the npm registry (AWS-NOTES). */
export const offlineEnv = {
  SST_SKIP_DEPENDENCY_CHECK: "1",
  SST_NO_BUN: "1",
  SST_TELEMETRY_DISABLED: "1",
} as const;

/** `sst install` needs a stage; nothing is deployed to it. */
export const CHECK_STAGE = "check";

export const platformDir = (rootDir: string) => path.join(rootDir, ".sst", "platform");
const stampFile = (rootDir: string) => path.join(rootDir, ".sst", "live-orders-install.json");
const lockDir = (rootDir: string) => path.join(rootDir, ".sst", "live-orders-install.lock");

export interface InstallResult {
  /** True when the platform was already installed for this key and nothing ran. */
  cached: boolean;
  key: string;
  durationMs: number;
}

/** What sst.config.ts's `app()` returns for a stage (the part that is plain data). */
export interface AppConfig {
  name: string;
  removal?: "remove" | "retain" | "retain-all";
  protect?: boolean;
  home?: string;
  providers?: Record<string, unknown>;
}

function sstVersion(rootDir: string): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(rootDir, "node_modules/sst/package.json"), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

/** Evaluates sst.config.ts's `app()` (not `run()`) for a stage, in a child process. */
export async function readAppConfig(rootDir: string, stage: string): Promise<AppConfig> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "live-orders-app-"));
  try {
    const shim = path.join(tmp, "shim.js");
    fs.writeFileSync(shim, "export const $config = (config) => config;\n");
    const outfile = path.join(tmp, "app.mjs");
    await build({
      stdin: {
        contents: [
          `import config from ${JSON.stringify(path.join(rootDir, "sst.config.ts"))};`,
          `const app = await config.app({ stage: ${JSON.stringify(stage)} });`,
          `process.stdout.write(JSON.stringify(app));`,
        ].join("\n"),
        resolveDir: rootDir,
        loader: "ts",
      },
      bundle: true,
      platform: "node",
      format: "esm",
      outfile,
      inject: [shim],
      logLevel: "silent",
    });
    const { code, output } = await run(process.execPath, [outfile], { cwd: rootDir });
    if (code !== 0) throw new Error(`evaluating app() of sst.config.ts failed:\n${output}`);
    return JSON.parse(output) as AppConfig;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The cache key: sst version + providers and home of `app()`. */
export async function installKey(rootDir: string, stage = CHECK_STAGE): Promise<string> {
  const app = await readAppConfig(rootDir, stage);
  return createHash("sha256")
    .update(JSON.stringify({ sst: sstVersion(rootDir), home: app.home, providers: app.providers ?? {} }))
    .digest("hex");
}

/** What a usable install has: the types, the component sources, Pulumi, and every provider in the lock. */
function installLooksComplete(rootDir: string): boolean {
  const platform = platformDir(rootDir);
  const required = [
    "config.d.ts",
    "src/components/index.ts",
    "src/shim/run.js",
    "src/auto/run.ts",
    "node_modules/@pulumi/pulumi/package.json",
  ];
  if (!required.every((file) => fs.existsSync(path.join(platform, file)))) return false;
  const version = fs.existsSync(path.join(platform, "version"))
    ? fs.readFileSync(path.join(platform, "version"), "utf8").trim()
    : "";
  if (version !== sstVersion(rootDir)) return false;
  const lockFile = path.join(rootDir, ".sst", "provider-lock.json");
  if (!fs.existsSync(lockFile)) return false;
  const lock = JSON.parse(fs.readFileSync(lockFile, "utf8")) as { package: string }[];
  return lock.every((p) => fs.existsSync(path.join(platform, "node_modules", p.package, "package.json")));
}

export async function ensureSstInstalled(options: {
  rootDir: string;
  stage?: string;
  log?: (line: string) => void;
}): Promise<InstallResult> {
  const { rootDir } = options;
  const stage = options.stage ?? CHECK_STAGE;
  const log = options.log ?? ((line: string) => console.log(line));
  const started = Date.now();
  const key = await installKey(rootDir, stage);

  const release = await acquireLock(rootDir, log);
  try {
    const stamp = fs.existsSync(stampFile(rootDir))
      ? (JSON.parse(fs.readFileSync(stampFile(rootDir), "utf8")) as { key?: string })
      : {};
    if (stamp.key === key && installLooksComplete(rootDir)) {
      return { cached: true, key, durationMs: Date.now() - started };
    }

    log(`sst install: installing SST's platform and providers into .sst/ (about a minute, once)…`);
    const progress = setInterval(() => {
      log(`sst install: still running (${Math.round((Date.now() - started) / 1000)} s)…`);
    }, 15_000);
    try {
      const { code, output } = await run(
        path.join(rootDir, "node_modules", ".bin", "sst"),
        ["install", "--stage", stage],
        { cwd: rootDir, env: { ...process.env, ...offlineEnv } },
      );
      if (code !== 0) throw new Error(`sst install failed (exit ${code}):\n${output}`);
    } finally {
      clearInterval(progress);
    }
    if (!installLooksComplete(rootDir)) {
      throw new Error(
        "sst install finished but .sst/platform is incomplete (config.d.ts, components or providers missing)",
      );
    }
    fs.writeFileSync(stampFile(rootDir), JSON.stringify({ key, installedAt: new Date().toISOString() }, null, 2));
    const durationMs = Date.now() - started;
    log(`sst install: done in ${(durationMs / 1000).toFixed(1)} s`);
    return { cached: false, key, durationMs };
  } finally {
    release();
  }
}

/** One install at a time per checkout (`check:infra` and a test run may overlap). */
async function acquireLock(rootDir: string, log: (line: string) => void): Promise<() => void> {
  const dir = lockDir(rootDir);
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const staleAfterMs = 10 * 60_000;
  const waitStarted = Date.now();
  let told = false;
  for (;;) {
    try {
      fs.mkdirSync(dir);
      return () => fs.rmSync(dir, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const stat = fs.statSync(dir, { throwIfNoEntry: false });
      if (!stat) continue;
      if (Date.now() - stat.mtimeMs > staleAfterMs) {
        fs.rmSync(dir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() - waitStarted > staleAfterMs) throw new Error(`timed out waiting for ${dir}`);
      if (!told) log("sst install: another install is running in this checkout, waiting…");
      told = true;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  return new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}
