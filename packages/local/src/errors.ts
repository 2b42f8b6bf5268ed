/**
 * Errors of the local stack. Each one is meant to be printed as-is to a developer running
 * `npm start` or `npm test`: the message says what failed and what to do, so the CLI prints
 * `message` (never a stack trace) for any `LocalStackError`.
 */
export class LocalStackError extends Error {
  override name = "LocalStackError";
  /** Extra lines printed under the message (a log tail, a hint). */
  readonly details: string | undefined;
  constructor(message: string, options?: { details?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.details = options?.details;
  }
}

const JAVA_INSTALL_HINT = [
  "Install a Java 17+ runtime, then run the command again:",
  "  Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless",
  "  macOS (Homebrew): brew install openjdk@17",
  "  Windows: winget install Microsoft.OpenJDK.17",
  "  or any JDK/JRE 17+ (https://adoptium.net); set JAVA_HOME if `java` is not on PATH.",
].join("\n");

/** DynamoDB Local is a Java program; without Java the stack cannot start. */
export class JavaMissingError extends LocalStackError {
  override name = "JavaMissingError";
  constructor(javaCommand: string, cause?: unknown) {
    super(`DynamoDB Local needs Java 17 or newer, but \`${javaCommand}\` was not found.`, {
      details: JAVA_INSTALL_HINT,
      cause,
    });
  }
}

export class JavaTooOldError extends LocalStackError {
  override name = "JavaTooOldError";
  constructor(javaCommand: string, version: string) {
    super(`DynamoDB Local needs Java 17 or newer, but \`${javaCommand}\` is Java ${version}.`, {
      details: JAVA_INSTALL_HINT,
    });
  }
}

/** The vendored jar is missing: the postinstall step did not run or failed. */
export class DynamoDbLocalMissingError extends LocalStackError {
  override name = "DynamoDbLocalMissingError";
  constructor(path: string) {
    super(`DynamoDB Local is not installed (no ${path}).`, {
      details:
        "Run `npm install` (its postinstall fetches it), or `node packages/local/scripts/fetch-dynamodb-local.mjs`.",
    });
  }
}

export class PortInUseError extends LocalStackError {
  override name = "PortInUseError";
  readonly port: number;
  constructor(o: { port: number; part: string; envVar?: string }) {
    super(`Port ${o.port} (${o.part}) is already in use.`, {
      details: o.envVar
        ? `Stop whatever listens on it (\`lsof -i :${o.port}\` shows it; another \`npm start\`?), or pick another port: ${o.envVar}=<port> npm start`
        : `Stop whatever listens on it (\`lsof -i :${o.port}\` shows it).`,
    });
    this.port = o.port;
  }
}

/** A part of the stack exited or never became ready; carries the end of its log. */
export class ComponentStartError extends LocalStackError {
  override name = "ComponentStartError";
  readonly component: string;
  constructor(o: { component: string; reason: string; logTail?: string; logFile?: string }) {
    const tail = o.logTail?.trim();
    super(`${o.component} failed to start: ${o.reason}`, {
      details: [
        tail ? `Last lines of its log:\n${indent(tail)}` : "It wrote nothing to its log.",
        o.logFile ? `Full log: ${o.logFile}` : undefined,
      ]
        .filter(Boolean)
        .join("\n"),
    });
    this.component = o.component;
  }
}

/** Rendering for the CLI: message and details, no stack. */
export function formatError(error: unknown): string {
  if (error instanceof LocalStackError) {
    return error.details ? `${error.message}\n${error.details}` : error.message;
  }
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `  | ${line}`)
    .join("\n");
}
