import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { HandlerNotFoundError } from "./errors";

/** Where an SST handler reference points: the source file and the exported function's name. */
export interface HandlerLocation {
  readonly file: string;
  readonly exportName: string;
}

// SST tries these in order too; `.ts` first because this repository is TypeScript.
const sourceExtensions = [".ts", ".tsx", ".mts", ".js", ".mjs", ".jsx", ".cjs"] as const;

/**
 * Resolves `packages/functions/src/ws/connect.handler` to export `handler` of
 * `<rootDir>/packages/functions/src/ws/connect.ts`: the export name is everything after the
 * last `.`, the rest is a path from the root without its extension.
 */
export function resolveHandlerRef(rootDir: string, ref: string): HandlerLocation {
  const dot = ref.lastIndexOf(".");
  if (dot <= 0 || dot === ref.length - 1) {
    throw new HandlerNotFoundError(`Handler "${ref}" is not of the form "path/to/file.exportName"`);
  }
  const base = resolve(rootDir, ref.slice(0, dot));
  const exportName = ref.slice(dot + 1);
  for (const extension of sourceExtensions) {
    const file = base + extension;
    if (existsSync(file)) return { file, exportName };
  }
  throw new HandlerNotFoundError(`Handler "${ref}": no file ${base}{${sourceExtensions.join(",")}} under ${rootDir}`);
}

/**
 * A Lambda-style function name for a handler reference. On AWS SST names functions after the
 * component; locally the reference is the only stable identity, so the name is derived from it
 * (Lambda allows letters, digits, `-` and `_`, at most 64 characters).
 */
export function functionNameOf(ref: string): string {
  const name = ref
    .replace(/^packages\//, "")
    .replace(/[^A-Za-z0-9_-]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return name.length <= 64 ? name : name.slice(name.length - 64);
}
