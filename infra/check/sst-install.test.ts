import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { installKey, readAppConfig } from "./sst-install";

const roots: string[] = [];

/** A minimal checkout: an sst.config.ts and the installed sst's package.json. */
function checkout(options: { sstVersion: string; app: string; run?: string }): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "live-orders-install-key-"));
  roots.push(root);
  fs.mkdirSync(path.join(root, "node_modules/sst"), { recursive: true });
  fs.writeFileSync(
    path.join(root, "node_modules/sst/package.json"),
    JSON.stringify({ name: "sst", version: options.sstVersion }),
  );
  fs.writeFileSync(
    path.join(root, "sst.config.ts"),
    `export default $config({ app(input) { return ${options.app}; }, async run() { ${options.run ?? ""} } });\n`,
  );
  return root;
}

afterEach(() => {
  for (const root of roots.splice(0)) fs.rmSync(root, { recursive: true, force: true });
});

describe("sst install cache key", () => {
  it("stays the same when only run() changes", async () => {
    const app = `{ name: "x", home: "aws" }`;
    const before = checkout({ sstVersion: "4.17.1", app, run: "return {};" });
    const after = checkout({ sstVersion: "4.17.1", app, run: "return { changed: true };" });

    expect(await installKey(after)).toBe(await installKey(before));
  });

  it("changes with the sst version", async () => {
    const app = `{ name: "x", home: "aws" }`;
    const before = checkout({ sstVersion: "4.17.1", app });
    const after = checkout({ sstVersion: "4.18.0", app });

    expect(await installKey(after)).not.toBe(await installKey(before));
  });

  it("changes with the providers app() declares", async () => {
    const before = checkout({ sstVersion: "4.17.1", app: `{ name: "x", home: "aws" }` });
    const after = checkout({
      sstVersion: "4.17.1",
      app: `{ name: "x", home: "aws", providers: { random: "4.16.6" } }`,
    });

    expect(await installKey(after)).not.toBe(await installKey(before));
  });
});

describe("readAppConfig", () => {
  it("evaluates this repository's app() per stage", async () => {
    const rootDir = path.resolve(import.meta.dirname, "../..");

    const [dev, production] = await Promise.all([
      readAppConfig(rootDir, "alice"),
      readAppConfig(rootDir, "production"),
    ]);

    expect(dev).toMatchObject({ name: "live-orders", home: "aws", removal: "remove", protect: false });
    expect(production).toMatchObject({ name: "live-orders", home: "aws", removal: "retain", protect: true });
  });
});
