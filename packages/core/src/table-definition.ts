/**
 * The one DynamoDB table, in the shape `sst.aws.Dynamo` takes. `infra/table.ts` deploys it and
 * the local stack creates DynamoDB Local's table from it, so the two cannot drift.
 * Pure data: sst.config.ts bundles this module.
 *
 * The access patterns each key and index serves are documented with the entities that use them
 * (see `packages/core/src/keys.ts`).
 */
export const tableDefinition = {
  fields: {
    pk: "string",
    sk: "string",
    gsi1pk: "string",
    gsi1sk: "string",
    gsi2pk: "string",
    gsi2sk: "string",
  },
  primaryIndex: { hashKey: "pk", rangeKey: "sk" },
  globalIndexes: {
    gsi1: { hashKey: "gsi1pk", rangeKey: "gsi1sk" },
    gsi2: { hashKey: "gsi2pk", rangeKey: "gsi2sk" },
  },
  ttl: "expiresAt",
  stream: "new-and-old-images",
} as const;

export type TableDefinition = typeof tableDefinition;
