/**
 * `npm start`: an SST app (its `local.config.ts`) on this machine, no AWS account, no internet.
 * Parts and their ports (env to override): see packages/local/src/config.ts and the README.
 *
 *   npm start                 start (data kept under .local/)
 *   npm start -- --inspect    also open the Node inspector of the handlers' runtime on 127.0.0.1:9229
 *   npm start -- --inspect=9300
 *   npm start -- --verbose    every invocation's REPORT in the terminal (also the app's quiet ones)
 *   npm start -- --quiet      only failed invocations (the log file still has every one)
 *   npm start -- --config=path/to/local.config.ts   another app (default: ./local.config.ts)
 */
import { join, relative, resolve } from "node:path";
import { LOCAL_CONFIG_FILE, type LocalApp, loadLocalApp } from "../app";
import { dataDirFromEnv, INSPECTOR_PORT, portsFromEnv } from "../config";
import { formatError, LocalStackError } from "../errors";
import type { ReportVerbosity } from "../stack/invocation-log";
import { type LocalStack, startLocalStack } from "../stack/local-stack";
import { assertPortFree } from "../stack/ports";
import { sampleTraffic, trafficSummary } from "./traffic-summary";
import { onLauncherExit } from "./watch-launchers";

// Node 20 is supported; the SDK's notice about its future Node 22 floor would only be noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const write = (line = "") => process.stdout.write(`${line}\n`);

/** The app's config file: `--config=<file>`, else `local.config.ts` in the working directory (the app's root). */
function configFile(argv: readonly string[]): string {
  const flag = argv.find((arg) => arg.startsWith("--config="));
  return resolve(flag ? flag.slice("--config=".length) : LOCAL_CONFIG_FILE);
}

function reportVerbosity(argv: readonly string[]): ReportVerbosity {
  if (argv.includes("--verbose") && argv.includes("--quiet"))
    throw new LocalStackError("--verbose or --quiet, not both");
  if (argv.includes("--verbose")) return "verbose";
  return argv.includes("--quiet") ? "quiet" : "default";
}

function inspectPort(argv: readonly string[]): number | undefined {
  const flag = argv.find((arg) => arg === "--inspect" || arg.startsWith("--inspect="));
  if (!flag) return undefined;
  const value = flag.includes("=") ? Number(flag.slice(flag.indexOf("=") + 1)) : INSPECTOR_PORT;
  if (!Number.isInteger(value) || value <= 0 || value > 65535) {
    throw new LocalStackError(`--inspect takes a port number, got "${flag}"`);
  }
  return value;
}

let starting: Promise<LocalStack> | undefined;
let stopping: Promise<void> | undefined;

async function main(): Promise<void> {
  const started = performance.now();
  let firstSignalAt = 0;
  /** An emulator keeps dying: say so, stop what runs, exit non-zero. */
  const fatal = (message: string) => {
    if (stopping) return;
    write(`\n✗ ${message}.\n  Stopping the local stack.`);
    stopping = (async () => {
      const stack = await starting?.catch(() => undefined);
      await stack?.stop();
      write("stopped.");
      process.exit(1);
    })();
  };
  const shutdown = (signal: NodeJS.Signals) => {
    // Ctrl-C reaches us twice: from the terminal (whole process group) and relayed by tsx.
    // Only a second press, not the echo of the first, forces the exit.
    if (stopping && performance.now() - firstSignalAt < 1_000) return;
    if (stopping) {
      // A second Ctrl-C: don't wait any longer (children are killed on exit).
      write(`\n${signal} again: exiting now`);
      process.exit(130);
    }
    firstSignalAt = performance.now();
    write(`\n${signal}: stopping the local stack…`);
    stopping = (async () => {
      // Interrupted mid-start: let the parts that are coming up finish, then stop them all.
      const stack = await starting?.catch(() => undefined);
      await stack?.stop();
      write("stopped.");
      process.exit(0);
    })();
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, shutdown);
  onLauncherExit(() => shutdown("SIGTERM"));

  const argv = process.argv.slice(2);
  const file = configFile(argv);
  const rootDir = resolve(file, "..");
  const dataDir = resolve(dataDirFromEnv(rootDir));
  const reports = reportVerbosity(argv);
  const app: LocalApp = await loadLocalApp(file);
  write(`${app.title ?? app.name} — local stack`);
  const ports = portsFromEnv();
  const inspect = inspectPort(argv);
  if (inspect !== undefined) await assertPortFree({ port: inspect, part: "Node inspector", hosts: ["127.0.0.1"] });

  starting = startLocalStack({
    app,
    rootDir,
    dataDir,
    ports,
    web: true,
    watch: true,
    inspectPort: inspect,
    seed: true,
    reports,
    log: (line) => write(line),
    onFatal: fatal,
  });
  const stack = await starting;
  if (stopping) return;
  const { outputs } = stack;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  write();
  write(`Ready in ${seconds} s.`);
  write();
  write(`  Web app          ${outputs.web}`);
  write(`  HTTP API         ${outputs.api}`);
  write(`  WebSocket API    ${outputs.ws}`);
  write(`  @connections     ${outputs.wsManagementEndpoint}`);
  write(`  DynamoDB Local   ${outputs.dynamoEndpoint}   table ${outputs.table}`);
  write(
    `  cognito-local    ${outputs.cognitoEndpoint}   pool ${outputs.userPoolId}, client ${outputs.userPoolClientId}`,
  );
  if (inspect !== undefined)
    write(
      `  Debugger         127.0.0.1:${inspect}, the handlers' runtime: one execution environment (worker thread) per function (chrome://inspect, or VS Code "Attach")`,
    );
  write();
  if (app.users?.length) {
    write("  Logins:");
    for (const user of app.users)
      write(`    ${user.email.padEnd(20)} ${user.password.padEnd(12)} ${user.groups?.join(", ") ?? ""}`.trimEnd());
    write();
  }
  const relativePath = relative(process.cwd(), dataDir) || ".";
  const shown = relativePath.startsWith("..") ? dataDir : relativePath;
  write(`  Endpoints written to ${join(shown, "outputs.json")}; data kept in ${shown}/ (delete it to start over).`);
  write(
    `  Handler code reloads on save. A REPORT line per invocation${reports === "default" ? " (--verbose: all, --quiet: failures only)" : ""}; every one in ${join(shown, "logs", "lambda.log")}.`,
  );
  write("  Ctrl-C stops everything.");
  // One line a minute while pushes flow: deliveries and failures.
  let sample = sampleTraffic(stack.gateway().counts(), stack.fanOutFailures);
  setInterval(() => {
    const now = sampleTraffic(stack.gateway().counts(), stack.fanOutFailures);
    const line = trafficSummary(sample, now);
    sample = now;
    if (line) write(line);
  }, 60_000).unref();
}

main().catch((error: unknown) => {
  // Ctrl-C during the start: parts fail as they are torn down (esbuild's service gets the
  // terminal's SIGINT too); the shutdown in progress reports and exits, not this error.
  if (stopping) return;
  process.stderr.write(`\n✗ ${formatError(error)}\n`);
  process.exit(1);
});
