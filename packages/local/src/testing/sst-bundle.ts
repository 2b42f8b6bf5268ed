/**
 * A handler bundled the way SST 4.17 bundles a Node function for Lambda (AWS-NOTES, "SST 4.17
 * defaults"): esbuild, ESM, platform node, target node22, minified, every dependency bundled
 * including `@aws-sdk/*` (only `sharp` and `pg-native` stay external), with SST's banner that
 * gives bundled CommonJS a `require`. What this file holds is what Lambda loads at init, so the
 * bundle-budget test and the bench's cold-import phase measure it, and nothing else.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { build, type Metafile } from "esbuild";

/** SST's Node runtime banner. */
const banner = [
  `import { createRequire as topLevelCreateRequire } from 'module';`,
  `const require = topLevelCreateRequire(import.meta.url);`,
  `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
  `const __filename = topLevelFileUrlToPath(import.meta.url)`,
  `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
].join("\n");

export interface SstBundle {
  /** Where the bundle was written. */
  readonly outfile: string;
  readonly bytes: number;
  /** Bytes of the output by package (`@aws-sdk/client-dynamodb`, …) or workspace package (`core`, …), largest first. */
  readonly byPackage: readonly { name: string; bytes: number }[];
}

/** `packages/functions/src/ws/ping.handler` → `packages/functions/src/ws/ping.ts`. */
export const handlerFile = (ref: string) => `${ref.slice(0, ref.lastIndexOf("."))}.ts`;

/** The package a bundled input belongs to: the npm package, or the workspace package's directory. */
function packageOf(input: string): string {
  const modules = input.lastIndexOf("node_modules/");
  if (modules === -1) return input.startsWith("packages/") ? (input.split("/")[1] ?? input) : input;
  const parts = input.slice(modules + "node_modules/".length).split("/");
  return parts[0]?.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] ?? input);
}

function byPackage(metafile: Metafile): { name: string; bytes: number }[] {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(input);
      totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/** Bundle `entry` (a path under `rootDir`) as SST would and write it to `outfile`. */
export async function bundleLikeSst(rootDir: string, entry: string, outfile: string): Promise<SstBundle> {
  const result = await build({
    absWorkingDir: rootDir,
    entryPoints: [join(rootDir, entry)],
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node22",
    minify: true,
    mainFields: ["module", "main"],
    external: ["sharp", "pg-native"],
    banner: { js: banner },
    metafile: true,
    write: false,
    logLevel: "error",
  });
  const output = result.outputFiles.find((file) => file.path.endsWith(".mjs") || file.path === outfile);
  if (output === undefined) throw new Error(`esbuild wrote nothing for ${entry}`);
  await mkdir(dirname(outfile), { recursive: true });
  await writeFile(outfile, output.contents);
  return { outfile, bytes: output.contents.byteLength, byPackage: byPackage(result.metafile) };
}
