import { execFileSync } from "node:child_process";

/**
 * `npm start` runs us as npm → sh → tsx → node. A terminal's Ctrl-C signals that whole process
 * group, but `kill <npm pid>` (what process managers and IDE "stop" buttons do) reaches only
 * npm, and neither npm's shell nor tsx passes it on: we would run on, orphaned. So we watch the
 * processes that launched us within our own process group and stop when one of them is gone.
 */
export function onLauncherExit(callback: () => void, intervalMs = 1_000): () => void {
  if (process.platform === "win32") return () => {};
  const launchers = launcherPids();
  if (launchers.length === 0) return () => {};
  const timer = setInterval(() => {
    if (launchers.some((pid) => !isAlive(pid))) {
      clearInterval(timer);
      callback();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Our ancestors that share our process group (the job the terminal or npm started). */
export function launcherPids(): number[] {
  const ownGroup = processInfo(process.pid)?.pgid;
  if (ownGroup === undefined) return [];
  const pids: number[] = [];
  let pid = process.ppid;
  for (let depth = 0; depth < 8 && pid > 1; depth++) {
    const info = processInfo(pid);
    if (!info || info.pgid !== ownGroup) break;
    pids.push(pid);
    pid = info.ppid;
  }
  return pids;
}

function processInfo(pid: number): { ppid: number; pgid: number } | undefined {
  try {
    const [ppid, pgid] = execFileSync("ps", ["-o", "ppid=,pgid=", "-p", String(pid)], { encoding: "utf8" })
      .trim()
      .split(/\s+/)
      .map(Number);
    return ppid !== undefined && pgid !== undefined && !Number.isNaN(ppid) && !Number.isNaN(pgid)
      ? { ppid, pgid }
      : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
