import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  BillingMode,
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ListTablesCommand,
  ProjectionType,
  ResourceInUseException,
  ResourceNotFoundException,
  ScalarAttributeType,
  StreamViewType,
  type TableDescription,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { localDynamoDbClient } from "../clients";
import { dynamoDbHeap, javaCommand, PartName, PortEnv } from "../config";
import {
  ComponentStartError,
  DynamoDbLocalMissingError,
  JavaMissingError,
  JavaTooOldError,
  PortInUseError,
} from "../errors";
import { type ChildExit, ManagedChild, waitUntilReady } from "../stack/managed-child";
import { assertPortFree, findFreePort } from "../stack/ports";
import type { TableDefinition } from "./table-definition";

/** Unpacked by scripts/fetch-dynamodb-local.mjs (postinstall). */
export const DYNAMODB_LOCAL_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../vendor/dynamodb-local");

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  pid: number | undefined;
  /** Settles when the process has exited, for whatever reason (the supervisor watches it). */
  exited: Promise<ChildExit>;
  /** The last lines DynamoDB Local printed. */
  logTail(): string;
  stop(): Promise<void>;
}

export interface StartDynamoDbLocalOptions {
  /** 0 or undefined: a free port. */
  port?: number;
  /** Persist tables here; undefined: in memory (gone on stop). */
  dataDir?: string;
  /** Also append DynamoDB Local's output to this file. */
  logFile?: string;
  readyTimeoutMs?: number;
}

/**
 * Starts the official DynamoDB Local jar and resolves once it answers a real ListTables.
 * `-sharedDb` makes one database regardless of credentials and region, so every client sees
 * the same tables; tiered compilation stopped at C1 starts the JVM about a second sooner.
 */
export async function startDynamoDbLocal(options: StartDynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const jar = join(DYNAMODB_LOCAL_DIR, "DynamoDBLocal.jar");
  if (!existsSync(jar)) throw new DynamoDbLocalMissingError(jar);
  const java = javaCommand();
  checkJava(java);

  const fixedPort = options.port ? options.port : undefined;
  const part = { part: PartName.dynamodb, envVar: PortEnv.dynamodb };
  if (fixedPort) await assertPortFree({ port: fixedPort, ...part });
  // A free port can be taken between our probe and the JVM's bind: retry a picked one.
  for (let attempt = 1; ; attempt++) {
    const port = fixedPort ?? (await findFreePort());
    try {
      return await launch({ java, jar, port, options });
    } catch (error) {
      if (error instanceof PortInUseError && !fixedPort && attempt < 3) continue;
      throw error;
    }
  }
}

async function launch(o: {
  java: string;
  jar: string;
  port: number;
  options: StartDynamoDbLocalOptions;
}): Promise<DynamoDbLocal> {
  const { dataDir, logFile } = o.options;
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  let bindFailed = false;
  const child = ManagedChild.start({
    name: "DynamoDB Local",
    command: o.java,
    args: [
      "-XX:TieredStopAtLevel=1",
      "-XX:+UseSerialGC",
      `-Xmx${dynamoDbHeap()}`,
      `-Djava.library.path=${join(DYNAMODB_LOCAL_DIR, "DynamoDBLocal_lib")}`,
      "-jar",
      o.jar,
      "-port",
      String(o.port),
      "-sharedDb",
      "-disableTelemetry",
      ...(dataDir ? ["-dbPath", resolve(dataDir)] : ["-inMemory"]),
    ],
    cwd: DYNAMODB_LOCAL_DIR,
    parentWatch: "guard",
    logFile,
    onLine: (line) => {
      if (/Address already in use|BindException/i.test(line)) bindFailed = true;
    },
  });
  const endpoint = `http://127.0.0.1:${o.port}`;
  const client = localDynamoDbClient(endpoint, { maxAttempts: 1 });
  try {
    await waitUntilReady({
      child,
      timeoutMs: o.options.readyTimeoutMs ?? 60_000,
      poll: async () => {
        if (bindFailed) throw new PortInUseError({ port: o.port, part: PartName.dynamodb, envVar: PortEnv.dynamodb });
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return true;
      },
    });
  } catch (error) {
    await child.stop();
    client.destroy();
    if (bindFailed) throw new PortInUseError({ port: o.port, part: PartName.dynamodb, envVar: PortEnv.dynamodb });
    throw new ComponentStartError({
      component: PartName.dynamodb,
      reason: error instanceof Error ? error.message : String(error),
      logTail: child.tail(),
      logFile,
    });
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    port: o.port,
    pid: child.pid,
    exited: child.exited,
    logTail: () => child.tail(),
    stop: () => child.stop(),
  };
}

/** Fails with an actionable error when Java is missing or older than 17. */
export function checkJava(java: string): void {
  const result = spawnSync(java, ["-version"], { encoding: "utf8", timeout: 30_000 });
  if (result.error) {
    if ((result.error as NodeJS.ErrnoException).code === "ENOENT") throw new JavaMissingError(java, result.error);
    throw new ComponentStartError({
      component: PartName.dynamodb,
      reason: `\`${java} -version\` failed: ${result.error.message}`,
    });
  }
  const output = `${result.stderr}\n${result.stdout}`;
  const version = parseJavaVersion(output);
  if (version === undefined) {
    throw new ComponentStartError({
      component: PartName.dynamodb,
      reason: `could not read the Java version from \`${java} -version\``,
      logTail: output,
    });
  }
  if (version.major < 17) throw new JavaTooOldError(java, version.text);
}

/** `version "17.0.15"`, `version "21"`, legacy `version "1.8.0_392"` (→ 8). */
export function parseJavaVersion(output: string): { major: number; text: string } | undefined {
  const match = /version "([^"]+)"/.exec(output);
  if (!match?.[1]) return undefined;
  const text = match[1];
  const parts = text.split(/[._+-]/).map(Number);
  const major = parts[0] === 1 && parts[1] !== undefined ? parts[1] : parts[0];
  if (major === undefined || Number.isNaN(major)) return undefined;
  return { major, text };
}

const attributeType = {
  string: ScalarAttributeType.S,
  number: ScalarAttributeType.N,
  binary: ScalarAttributeType.B,
} as const;

const streamViewType = {
  "new-and-old-images": StreamViewType.NEW_AND_OLD_IMAGES,
  "new-image": StreamViewType.NEW_IMAGE,
  "old-image": StreamViewType.OLD_IMAGE,
  "keys-only": StreamViewType.KEYS_ONLY,
} as const;

/** The CreateTable request for a table in `sst.aws.Dynamo`'s shape (what infra/ deploys). */
export function createTableInput(tableName: string, definition: TableDefinition): CreateTableCommandInput {
  const fields = definition.fields as Record<string, keyof typeof attributeType>;
  const indexes = Object.entries(definition.globalIndexes ?? {}) as [string, { hashKey: string; rangeKey?: string }][];
  const keyAttributes = new Set<string>([definition.primaryIndex.hashKey]);
  if (definition.primaryIndex.rangeKey) keyAttributes.add(definition.primaryIndex.rangeKey);
  for (const [, index] of indexes) {
    keyAttributes.add(index.hashKey);
    if (index.rangeKey) keyAttributes.add(index.rangeKey);
  }
  const keySchema = (hashKey: string, rangeKey?: string) => [
    { AttributeName: hashKey, KeyType: "HASH" as const },
    ...(rangeKey ? [{ AttributeName: rangeKey, KeyType: "RANGE" as const }] : []),
  ];
  const view = definition.stream ? streamViewType[definition.stream as keyof typeof streamViewType] : undefined;
  return {
    TableName: tableName,
    BillingMode: BillingMode.PAY_PER_REQUEST,
    // DynamoDB rejects attribute definitions that no key uses.
    AttributeDefinitions: [...keyAttributes].map((name) => {
      const type = fields[name];
      if (!type) throw new Error(`table definition: key attribute "${name}" is not in fields`);
      return { AttributeName: name, AttributeType: attributeType[type] };
    }),
    KeySchema: keySchema(definition.primaryIndex.hashKey, definition.primaryIndex.rangeKey),
    GlobalSecondaryIndexes: indexes.length
      ? indexes.map(([name, index]) => ({
          IndexName: name,
          KeySchema: keySchema(index.hashKey, index.rangeKey),
          // sst.aws.Dynamo projects every attribute by default.
          Projection: { ProjectionType: ProjectionType.ALL },
        }))
      : undefined,
    StreamSpecification: view ? { StreamEnabled: true, StreamViewType: view } : undefined,
  };
}

/**
 * Creates the table from the shared definition, or brings an existing one (data kept under
 * `.local/` from an earlier run) up to it: missing GSIs, stream and TTL are added. Idempotent.
 */
export async function createTable(o: {
  endpoint: string;
  tableName: string;
  definition: TableDefinition;
}): Promise<void> {
  const { definition } = o;
  const input = createTableInput(o.tableName, definition);
  const client = localDynamoDbClient(o.endpoint);
  try {
    let table = await describe(client, o.tableName);
    if (!table) {
      try {
        await client.send(new CreateTableCommand(input));
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error;
      }
      table = await waitForActive(client, o.tableName);
    }
    const existing = new Set((table.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
    for (const index of input.GlobalSecondaryIndexes ?? []) {
      if (existing.has(index.IndexName)) continue;
      await client.send(
        new UpdateTableCommand({
          TableName: o.tableName,
          AttributeDefinitions: input.AttributeDefinitions,
          GlobalSecondaryIndexUpdates: [{ Create: index }],
        }),
      );
      table = await waitForActive(client, o.tableName);
    }
    if (input.StreamSpecification && !table.StreamSpecification?.StreamEnabled) {
      await client.send(
        new UpdateTableCommand({ TableName: o.tableName, StreamSpecification: input.StreamSpecification }),
      );
      await waitForActive(client, o.tableName);
    }
    if (definition.ttl) {
      const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: o.tableName }));
      const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
      if (status !== "ENABLED" && status !== "ENABLING") {
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName: o.tableName,
            TimeToLiveSpecification: { AttributeName: definition.ttl, Enabled: true },
          }),
        );
      }
    }
  } finally {
    client.destroy();
  }
}

async function describe(
  client: ReturnType<typeof localDynamoDbClient>,
  tableName: string,
): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

async function waitForActive(
  client: ReturnType<typeof localDynamoDbClient>,
  tableName: string,
): Promise<TableDescription> {
  // Generous: on a loaded machine DynamoDB Local takes many seconds to build a new index.
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    const table = await describe(client, tableName);
    const indexesActive = (table?.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === "ACTIVE");
    if (table?.TableStatus === "ACTIVE" && indexesActive) return table;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}
