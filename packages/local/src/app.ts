/**
 * What an SST app tells the local stack about itself: its route tables, its table, its stream
 * subscriber, its users, the environment its handlers read, and the hooks it wants run. The
 * local stack knows nothing else of the app; `local.config.ts` at the app's root exports one
 * (`export default defineLocalApp({...})`), as `sst.config.ts` does for `sst`.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { TableDefinition } from "./dynamodb/table-definition";
import { LocalStackError } from "./errors";
import type { CorsConfig } from "./gateway/cors";
import type { InvocationReport } from "./lambda/invocation-report";
import type { FilterPattern } from "./streams/filter-pattern";

export type { TableDefinition } from "./dynamodb/table-definition";

/** A function as the route tables name it: an SST handler reference (`path/from/root/file.export`). */
export interface LocalFunction {
  readonly handler: string;
}

export interface LocalUser {
  readonly email: string;
  readonly password: string;
  /** User pool groups (created as needed); they reach tokens as `cognito:groups`. */
  readonly groups?: readonly string[];
}

/** A user as the stack created it: with the `sub` Cognito gave it. */
export interface SeededUser {
  readonly userId: string;
  readonly email: string;
  readonly groups: readonly string[];
}

/** What the stack's parts are, once they run: what the app's handlers and web client are given. */
export interface LocalResources {
  appName: string;
  stage: string;
  region: string;
  tableName: string;
  dynamoEndpoint: string;
  userPoolId: string;
  userPoolClientId: string;
  /** `iss` of the pool's tokens. */
  issuer: string;
  cognitoEndpoint: string;
  httpUrl: string;
  wsUrl: string;
  /** What `ApiGatewayManagementApiClient` takes as `endpoint` (SST's `managementEndpoint`). */
  managementEndpoint: string;
  /** The origins a browser shows the web app under (none without one): what `Origin` checks admit. */
  webOrigins: readonly string[];
}

export interface SeedContext {
  resources: LocalResources;
  users: readonly SeededUser[];
  /** The handlers' environment (SST links and the rest), as `environment` made it. */
  environment: Readonly<Record<string, string>>;
  /**
   * Calls an exported function of the app (an SST-style reference, `path/from/root/file.export`)
   * in a process of its own with the handlers' environment, as `sst shell` runs a script with the
   * app's links, and waits for it.
   */
  runScript(ref: string, ...args: unknown[]): Promise<void>;
}

/** What an event source mapping does with a batch that keeps failing (AWS's setting names). */
export interface StreamFailureHandling {
  readonly bisectBatchOnFunctionError?: boolean;
  readonly maximumRetryAttempts?: number;
  readonly maximumRecordAgeInSeconds?: number;
}

export interface LocalApp {
  /** The app's name (SST's `$app.name`). */
  name: string;
  /** How `npm start` introduces it. Default: `name`. */
  title?: string;
  /** The one DynamoDB table, in the shape `sst.aws.Dynamo` takes (fields, indexes, stream, TTL). */
  table: TableDefinition;
  webSocket?: {
    routes: Readonly<Record<string, LocalFunction>>;
    /** `$connect`'s REQUEST authorizer. */
    authorizer?: LocalFunction & { readonly identitySources: readonly string[] };
  };
  /** The HTTP API; every route sits behind a JWT authorizer on the stack's user pool. */
  http?: {
    /** `authorizationScopes`: the JWT authorizer requires one of them (403 `insufficient_scope`, as AWS). */
    routes: Readonly<Record<string, LocalFunction & { readonly authorizationScopes?: readonly string[] }>>;
    cors?: CorsConfig;
  };
  /** The table stream's subscriber (an event source mapping). */
  streamSubscriber?: LocalFunction & {
    readonly name?: string;
    readonly batchSize?: number;
    readonly filters?: readonly FilterPattern[];
    /** The event source mapping's failure handling, as on AWS (defaults: the poller's). */
    readonly failureHandling?: StreamFailureHandling;
  };
  /** The user pool's users (local only: passwords in the clear). */
  users?: readonly LocalUser[];
  /**
   * The handlers' environment: SST links as `SST_RESOURCE_<Name>` JSON (`sstResources` writes
   * them), plus whatever else the app's config reads (an endpoint override, an issuer).
   */
  environment(resources: LocalResources): Record<string, string>;
  /** Demo data, written after the table and the users exist and before the stream poller starts. */
  seed?(context: SeedContext): Promise<void>;
  /** A Vite app served with the stack (path from the app's root), given the stack's endpoints. */
  web?: { root: string; environment(resources: LocalResources): Record<string, string> };
  /** Workspace import prefixes bundled with the handlers (so editing them reloads). Default: none. */
  bundledScopes?: readonly string[];
  /** Reserved concurrency per handler reference: past it, invocations are throttled. */
  reservedConcurrency?: Readonly<Record<string, number>>;
  /** Reports the terminal leaves out unless `--verbose` (a heartbeat route): they still go to the log file. */
  quietReports?: (report: InvocationReport) => boolean;
}

/** The app's local configuration, checked by type: `export default defineLocalApp({...})`. */
export function defineLocalApp(app: LocalApp): LocalApp {
  return app;
}

/**
 * `SST_RESOURCE_*` variables for the handlers (what `Resource.<Name>` reads), with the app's
 * `SST_RESOURCE_App`.
 */
export function sstResources(
  resources: Pick<LocalResources, "appName" | "stage">,
  links: Readonly<Record<string, Readonly<Record<string, string>>>>,
): Record<string, string> {
  return {
    SST_RESOURCE_App: JSON.stringify({ name: resources.appName, stage: resources.stage }),
    ...Object.fromEntries(
      Object.entries(links).map(([name, value]) => [`SST_RESOURCE_${name}`, JSON.stringify(value)]),
    ),
  };
}

/** The file `npm start` reads: `local.config.ts` at the app's root. */
export const LOCAL_CONFIG_FILE = "local.config.ts";

/** Imports an app's `local.config.ts` (its default export). */
export async function loadLocalApp(configFile: string): Promise<LocalApp> {
  const file = resolve(configFile);
  if (!existsSync(file))
    throw new LocalStackError(`No local app configuration at ${file} (export default defineLocalApp({...}))`);
  const module = (await import(pathToFileURL(file).href)) as { default?: LocalApp };
  if (!module.default?.name || !module.default.table) {
    throw new LocalStackError(`${file} must export default defineLocalApp({ name, table, environment, ... })`);
  }
  return module.default;
}
