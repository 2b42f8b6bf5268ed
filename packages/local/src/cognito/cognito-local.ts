import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PartName, PortEnv } from "../config";
import { ComponentStartError, PortInUseError } from "../errors";
import { type ChildExit, ManagedChild, waitUntilReady } from "../stack/managed-child";
import { assertPortFree, findFreePort } from "../stack/ports";

const RUNNER = resolve(dirname(fileURLToPath(import.meta.url)), "cognito-local-process.cjs");
const HOST = "127.0.0.1";

export interface CognitoLocal {
  /** The endpoint for `CognitoIdentityProviderClient` and Amplify; also the issuer domain. */
  endpoint: string;
  port: number;
  pid: number | undefined;
  /** Settles when the process has exited, for whatever reason (the supervisor watches it). */
  exited: Promise<ChildExit>;
  logTail(): string;
  stop(): Promise<void>;
}

/** A code Cognito would have sent by e-mail (sign-up, resend, password reset). */
export interface CodeDelivery {
  /** cognito-local's message source: "SignUp", "ResendCode", "ForgotPassword", … */
  source: string;
  email: string;
  code: string;
}

/** The line cognito-local-process.cjs writes for each code. */
const codeLinePrefix = "live-orders:code ";

export function parseCodeLine(line: string): CodeDelivery | undefined {
  const at = line.indexOf(codeLinePrefix);
  if (at < 0) return undefined;
  try {
    const value = JSON.parse(line.slice(at + codeLinePrefix.length)) as Partial<CodeDelivery>;
    if (typeof value.code !== "string" || typeof value.email !== "string") return undefined;
    return { source: String(value.source ?? ""), email: value.email, code: value.code };
  } catch {
    return undefined;
  }
}

/** How a person reads a delivery in the terminal. */
export function describeCodeDelivery(delivery: CodeDelivery): string {
  const what =
    delivery.source === "ForgotPassword"
      ? "password-reset code"
      : delivery.source === "SignUp" || delivery.source === "ResendCode"
        ? "sign-up confirmation code"
        : `${delivery.source} code`;
  return `  ✉ ${what} for ${delivery.email}: ${delivery.code}   (Cognito would e-mail it)`;
}

export interface StartCognitoLocalOptions {
  /** 0 or undefined: a free port. */
  port?: number;
  /** cognito-local's config and user pools live here (`.cognito/`); kept between runs. */
  dataDir: string;
  logFile?: string;
  readyTimeoutMs?: number;
  /** Each code Cognito would e-mail; the local stack prints it (SPEC §6). */
  onCodeDelivery?: (delivery: CodeDelivery) => void;
}

/**
 * Starts cognito-local (with the shims of cognito-local-process.cjs) on 127.0.0.1 and resolves
 * once `/health` answers. The issuer domain is pinned to the endpoint actually used, so the
 * `iss` of its tokens and the JWKS URL the verifiers fetch agree (its default is
 * `http://localhost:9229` whatever the port).
 */
export async function startCognitoLocal(options: StartCognitoLocalOptions): Promise<CognitoLocal> {
  const fixedPort = options.port ? options.port : undefined;
  if (fixedPort) await assertPortFree({ port: fixedPort, part: PartName.cognito, envVar: PortEnv.cognito });
  for (let attempt = 1; ; attempt++) {
    const port = fixedPort ?? (await findFreePort());
    try {
      return await launch(port, options);
    } catch (error) {
      if (error instanceof PortInUseError && !fixedPort && attempt < 3) continue;
      throw error;
    }
  }
}

async function launch(port: number, options: StartCognitoLocalOptions): Promise<CognitoLocal> {
  const dataDir = resolve(options.dataDir);
  const endpoint = `http://${HOST}:${port}`;
  writeConfig(dataDir, endpoint, port);
  let bindFailed = false;
  const child = ManagedChild.start({
    name: PartName.cognito,
    command: process.execPath,
    args: [RUNNER],
    cwd: dataDir,
    env: { ...withoutInspector(process.env), PORT: String(port), HOST },
    logFile: options.logFile,
    parentWatch: "ipc",
    onLine: (line) => {
      if (line.includes("EADDRINUSE")) bindFailed = true;
      const delivery = options.onCodeDelivery && parseCodeLine(line);
      if (delivery) options.onCodeDelivery?.(delivery);
    },
  });
  try {
    await waitUntilReady({
      child,
      timeoutMs: options.readyTimeoutMs ?? 30_000,
      poll: async () => (await fetch(`${endpoint}/health`)).ok,
    });
  } catch (error) {
    await child.stop();
    if (bindFailed) throw new PortInUseError({ port, part: PartName.cognito, envVar: PortEnv.cognito });
    throw new ComponentStartError({
      component: PartName.cognito,
      reason: error instanceof Error ? error.message : String(error),
      logTail: child.tail(),
      logFile: options.logFile,
    });
  }
  return {
    endpoint,
    port,
    pid: child.pid,
    exited: child.exited,
    logTail: () => child.tail(),
    stop: () => child.stop(),
  };
}

/** Merges our settings into `.cognito/config.json`, keeping anything else a developer put there. */
function writeConfig(dataDir: string, endpoint: string, port: number): void {
  const file = join(dataDir, ".cognito", "config.json");
  mkdirSync(dirname(file), { recursive: true });
  let config: Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      config = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    } catch {
      config = {};
    }
  }
  const section = (key: string) => (config[key] as Record<string, unknown> | undefined) ?? {};
  config.TokenConfig = { ...section("TokenConfig"), IssuerDomain: endpoint };
  config.ServerConfig = { ...section("ServerConfig"), hostname: HOST, port };
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
}

/** A child must not try to open the inspector port the orchestrator itself uses. */
function withoutInspector(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_OPTIONS, ...rest } = env;
  const kept = NODE_OPTIONS?.split(/\s+/)
    .filter((flag) => flag && !flag.startsWith("--inspect"))
    .join(" ");
  return kept ? { ...rest, NODE_OPTIONS: kept } : rest;
}

// The interface agreed between the parts names both in this module.
export { ensureUserPool, type UserPool } from "./user-pool";
