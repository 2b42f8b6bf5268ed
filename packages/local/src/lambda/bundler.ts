import { createHash } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative, resolve } from "node:path";
import * as esbuild from "esbuild";
import { HandlerBuildError } from "./errors";

/** One bundled handler file: where it was written and which source files went into it. */
export interface Bundle {
  readonly outputFile: string;
  /** Absolute paths of every bundled source (for watching). */
  readonly inputs: readonly string[];
  /** The names the bundle exports (a handler reference must name one). */
  readonly exports: readonly string[];
}

/**
 * Bare imports stay external (Node resolves them from `<rootDir>/node_modules` at run time, as
 * Lambda resolves them from its layer or bundle) — except this repository's own workspace
 * packages, which are bundled so that an edit to `packages/core` reloads like an edit to the
 * handler itself.
 */
const externalPackages = (bundledScopes: readonly string[]): esbuild.Plugin => ({
  name: "external-packages",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.kind === "entry-point") return undefined;
      if (bundledScopes.some((scope) => args.path.startsWith(scope))) return undefined;
      return { path: args.path, external: true };
    });
  },
});

// Bundled CommonJS code may call `require`; ESM has none, so give it one (SST's banner too).
const requireShim =
  'import { createRequire as __localCreateRequire } from "node:module"; const require = __localCreateRequire(import.meta.url);';

/**
 * An incremental esbuild context for one handler source file. Several exports of one file share
 * it. Each build is written under a content-hashed name, so an unchanged rebuild reuses the file
 * and two processes building the same source never clash.
 */
export class HandlerBundler {
  private readonly context: Promise<esbuild.BuildContext<{ metafile: true; write: false }>>;
  private readonly outDir: string;
  private readonly stem: string;

  constructor(
    private readonly rootDir: string,
    entryFile: string,
    bundledScopes: readonly string[],
  ) {
    const fromRoot = relative(rootDir, entryFile).replace(/\.[^.]+$/, "");
    this.outDir = join(rootDir, ".local", "build", dirname(fromRoot));
    this.stem = basename(fromRoot);
    this.context = esbuild.context({
      entryPoints: [entryFile],
      absWorkingDir: rootDir,
      outfile: join(this.outDir, `${this.stem}.mjs`),
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      sourcemap: "inline",
      metafile: true,
      write: false,
      logLevel: "silent",
      banner: { js: requireShim },
      plugins: [externalPackages(bundledScopes)],
    });
  }

  async build(): Promise<Bundle> {
    const context = await this.context;
    let result: esbuild.BuildResult<{ metafile: true; write: false }>;
    try {
      result = await context.rebuild();
    } catch (error) {
      const failure = error as esbuild.BuildFailure;
      const messages = failure.errors?.length
        ? await esbuild.formatMessages(failure.errors, { kind: "error", color: false })
        : [String(error)];
      throw new HandlerBuildError(messages.join("\n"));
    }
    const output = result.outputFiles[0];
    if (!output) throw new HandlerBuildError(`esbuild produced no output for ${this.stem}`);
    const hash = createHash("sha256").update(output.contents).digest("hex").slice(0, 16);
    const outputFile = join(this.outDir, `${this.stem}.${hash}.mjs`);
    await mkdir(this.outDir, { recursive: true });
    // Write then rename: a concurrent reader never imports a half-written file.
    const temporary = `${outputFile}.${process.pid}.tmp`;
    await writeFile(temporary, output.contents);
    await rename(temporary, outputFile);
    const inputs = Object.keys(result.metafile.inputs)
      .filter((input) => !input.includes("node_modules/") && !input.includes(":"))
      .map((input) => resolve(this.rootDir, input));
    const exports = Object.values(result.metafile.outputs)[0]?.exports ?? [];
    return { outputFile, inputs, exports };
  }

  async dispose(): Promise<void> {
    await (await this.context).dispose();
  }
}
