/**
 * Configuration of the local stack, read from the environment in one place.
 * Every port has a default (SPEC §6) and an env var to move it when the default is taken.
 */

export const PortEnv = {
  web: "WEB_PORT",
  http: "HTTP_PORT",
  ws: "WS_PORT",
  dynamodb: "DYNAMODB_PORT",
  cognito: "COGNITO_PORT",
} as const;
export type StackPart = keyof typeof PortEnv;

export const DefaultPorts: Record<StackPart, number> = {
  web: 5173,
  http: 3000,
  ws: 3001,
  dynamodb: 8000,
  cognito: 9329,
};

/** What each part is called in progress lines and errors. */
export const PartName: Record<StackPart, string> = {
  web: "Vite dev server (web)",
  http: "HTTP API",
  ws: "WebSocket API",
  dynamodb: "DynamoDB Local",
  cognito: "cognito-local",
};

export const LOCAL_REGION = "us-east-1";
/** DynamoDB Local and cognito-local accept any credentials; the SDK just needs some. */
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" } as const;
export const DEFAULT_TABLE_NAME = "live-orders";
export const DEFAULT_POOL_NAME = "live-orders";
export const INSPECTOR_PORT = 9229;

/** The port of a part: its env var when set (validated), else the default. */
export function portFromEnv(part: StackPart, env: NodeJS.ProcessEnv = process.env): number {
  const name = PortEnv[part];
  const raw = env[name];
  if (raw === undefined || raw === "") return DefaultPorts[part];
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${name} must be a port number (0-65535), got "${raw}"`);
  }
  return port;
}

export function portsFromEnv(env: NodeJS.ProcessEnv = process.env): Record<StackPart, number> {
  return {
    web: portFromEnv("web", env),
    http: portFromEnv("http", env),
    ws: portFromEnv("ws", env),
    dynamodb: portFromEnv("dynamodb", env),
    cognito: portFromEnv("cognito", env),
  };
}

/** Java used for DynamoDB Local: $JAVA_HOME/bin/java when JAVA_HOME is set, else `java` on PATH. */
export function javaCommand(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.JAVA_HOME;
  if (home) return `${home.replace(/[/\\]+$/, "")}/bin/java${process.platform === "win32" ? ".exe" : ""}`;
  return "java";
}

/** Maximum heap for DynamoDB Local (`-Xmx`); its default would be a quarter of RAM. */
export function dynamoDbHeap(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env.DYNAMODB_HEAP;
  if (raw && !/^\d+[mMgG]$/.test(raw)) throw new Error(`DYNAMODB_HEAP must look like 512m or 1g, got "${raw}"`);
  return raw || "512m";
}

/** Where `npm start` keeps its data (`LIVE_ORDERS_DATA_DIR`, default `<repo>/.local`). */
export function dataDirFromEnv(rootDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.LIVE_ORDERS_DATA_DIR || `${rootDir}/.local`;
}
