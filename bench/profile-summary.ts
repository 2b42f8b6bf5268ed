/**
 * Summarize a `.cpuprofile` (node --cpu-prof): self time by where the code lives (SDK packages,
 * Node's HTTP stack, ws, the gateway, the handler bundles…) and the top functions. Used to find
 * where the fan-out path spends its CPU: `npx tsx bench/profile-summary.ts <file.cpuprofile>`.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export function summarize(profile: Profile, top = 25): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  for (const [index, id] of profile.samples.entries())
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const area = (url: string, name: string): string => {
    if (name === "(idle)") return "(idle)";
    if (name === "(garbage collector)") return "(gc)";
    if (name === "(program)") return "(program)";
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
    if (pkg)
      return pkg.startsWith("@smithy") || pkg.startsWith("@aws-sdk")
        ? `${pkg.split("/")[0]}/${pkg.split("/")[1]}`
        : pkg;
    if (url.startsWith("node:"))
      return url
        .replace(/^node:internal\//, "node:")
        .replace(/\/.*$/, "")
        .replace(/^node:_http_.*/, "node:http");
    if (url.includes("/.local/build/")) return "handler bundles";
    if (url.includes("/packages/local/src/")) return `local/${url.split("/packages/local/src/")[1]?.split("/")[0]}`;
    if (url === "") return `(native) ${name}`;
    return url.replace(/^.*\/work\/main\//, "");
  };
  const byArea = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, micros] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const key = area(node.callFrame.url, node.callFrame.functionName);
    byArea.set(key, (byArea.get(key) ?? 0) + micros);
    const fn = `${node.callFrame.functionName || "(anonymous)"} ${key}:${node.callFrame.lineNumber}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
  }
  const busy = total - (byArea.get("(idle)") ?? 0);
  const lines = [
    `total ${(total / 1e6).toFixed(1)} s, busy ${(busy / 1e6).toFixed(1)} s`,
    "",
    "self time by area (% of busy):",
  ];
  for (const [key, micros] of [...byArea].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    if (key === "(idle)") continue;
    lines.push(
      `  ${((micros / busy) * 100).toFixed(1).padStart(5)}%  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${key}`,
    );
  }
  lines.push("", "top functions:");
  for (const [key, micros] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    if (key.startsWith("(idle)")) continue;
    lines.push(`  ${((micros / busy) * 100).toFixed(1).padStart(5)}%  ${key}`);
  }
  return lines.join("\n");
}

if (process.argv[1]?.endsWith("profile-summary.ts")) {
  for (const file of process.argv.slice(2)) {
    process.stdout.write(`${file}\n${summarize(JSON.parse(readFileSync(file, "utf8")) as Profile)}\n\n`);
  }
}
