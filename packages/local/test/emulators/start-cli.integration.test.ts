import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

/**
 * `npm start`'s bad paths, run as a developer would meet them: the CLI in a child process.
 * Each must end with one clear message (what failed, what to do), exit code 1 and no stack trace.
 */
const rootDir = resolve(import.meta.dirname, "../../../..");
const tsx = join(rootDir, "node_modules", ".bin", "tsx");
const cli = join(rootDir, "packages", "local", "src", "cli", "start.ts");

function runStart(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(tsx, [cli], {
      cwd: rootDir,
      env: {
        ...process.env,
        WEB_PORT: "0",
        HTTP_PORT: "0",
        WS_PORT: "0",
        DYNAMODB_PORT: "0",
        COGNITO_PORT: "0",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGTERM"), 90_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

const stackTrace = /^\s+at .+\(.+:\d+:\d+\)$/m;

describe("npm start bad paths", () => {
  let dataDir: string;
  let server: Server | undefined;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), "start-cli-"));
  });
  afterEach(async () => {
    await new Promise<void>((resolveClose) => (server ? server.close(() => resolveClose()) : resolveClose()));
    server = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("names the port, the part and the env var when a port is taken", async () => {
    const listening = createServer();
    server = listening;
    const port = await new Promise<number>((resolveListen) =>
      listening.listen(0, "127.0.0.1", () => resolveListen((listening.address() as { port: number }).port)),
    );

    const run = await runStart({ HTTP_PORT: String(port), LIVE_ORDERS_DATA_DIR: dataDir });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Port ${port} (HTTP API) is already in use`);
    expect(run.stderr).toContain(`HTTP_PORT=<port> npm start`);
    expect(run.stderr).not.toMatch(stackTrace);
  });

  it("says Java 17+ is needed, and how to get it, when Java is missing", async () => {
    const run = await runStart({ JAVA_HOME: join(dataDir, "no-jdk"), LIVE_ORDERS_DATA_DIR: dataDir });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain("DynamoDB Local needs Java 17 or newer");
    expect(run.stderr).toContain("openjdk-17-jre-headless");
    expect(run.stderr).not.toMatch(stackTrace);
  });

  it("shows the log tail of a part that fails to start", async () => {
    const jdk = join(dataDir, "broken-jdk");
    mkdirSync(join(jdk, "bin"), { recursive: true });
    writeFileSync(
      join(jdk, "bin", "java"),
      `#!/bin/sh\nif [ "$1" = "-version" ]; then echo 'openjdk version "17.0.9"' >&2; exit 0; fi\n` +
        `echo "Error occurred during initialization of VM" >&2\necho "Could not reserve enough space for object heap" >&2\nexit 1\n`,
    );
    chmodSync(join(jdk, "bin", "java"), 0o755);

    const run = await runStart({ JAVA_HOME: jdk, LIVE_ORDERS_DATA_DIR: dataDir });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain("DynamoDB Local failed to start: it exited with code 1 before it was ready");
    expect(run.stderr).toContain("Could not reserve enough space for object heap");
    expect(run.stderr).toContain(`Full log: ${join(dataDir, "logs", "dynamodb.log")}`);
    expect(run.stderr).not.toMatch(stackTrace);
  });
});
