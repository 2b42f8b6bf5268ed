/**
 * A DynamoDB table in the shape `sst.aws.Dynamo` takes (`fields`, `primaryIndex`,
 * `globalIndexes`, `stream`, `ttl`): an app hands its own definition to the local stack, which
 * creates DynamoDB Local's table from it, so what runs locally is what `sst deploy` creates.
 */
export interface TableDefinition {
  readonly fields: Readonly<Record<string, "string" | "number" | "binary">>;
  readonly primaryIndex: { readonly hashKey: string; readonly rangeKey?: string };
  readonly globalIndexes?: Readonly<Record<string, { readonly hashKey: string; readonly rangeKey?: string }>>;
  readonly stream?: "new-and-old-images" | "new-image" | "old-image" | "keys-only" | false;
  readonly ttl?: string;
}
