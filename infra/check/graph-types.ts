/** The resource graph of sst.config.ts as recorded by infra/check/harness.ts under Pulumi mocks. */
export interface ResourceRecord {
  type: string;
  name: string;
  custom: boolean;
  /** URN of the parent resource, when there is one. */
  parent?: string;
  retainOnDelete: boolean;
  protect: boolean;
  inputs: Record<string, any>;
}

export interface CallRecord {
  token: string;
  inputs: Record<string, any>;
}

/** One `Runtime.Build` request: what SST would bundle for a function. */
export interface BuildRecord {
  functionID: string;
  handler: string;
  runtime: string;
  /** Linked resources by name, with the properties `Resource.<name>` exposes. */
  links: Record<string, Record<string, unknown>>;
  properties: Record<string, unknown>;
}

export interface Graph {
  stage: string;
  /** The directory the program ran in (`$cli.paths.root`): a scratch root, see graph.ts. */
  root: string;
  app: { name: string; stage: string; removal: string; protect: boolean; providers: Record<string, unknown> };
  resources: ResourceRecord[];
  calls: CallRecord[];
  builds: BuildRecord[];
  outputs: Record<string, unknown>;
  /** Anything the harness could not answer truthfully, and every error raised while evaluating. */
  errors: string[];
}
