import { tableDefinition } from "@live-orders/core/table-definition";
import { isProduction, protectData } from "./stage";

/**
 * What a function that links the table may do: read and write items, nothing else — no
 * `DeleteTable`/`UpdateTable`, no Scan (every access pattern is a key lookup or a Query, see
 * packages/core keys.ts), no PartiQL, no backups or exports. Transactions need no action of
 * their own: IAM authorizes each Put, Update, Delete and Get inside a TransactWriteItems /
 * TransactGetItems as PutItem, UpdateItem, DeleteItem and GetItem, and a ConditionCheck as
 * ConditionCheckItem. SST's default link grants `dynamodb:*` on the table and everything
 * under it.
 */
export const tableItemActions = [
  "dynamodb:GetItem",
  "dynamodb:BatchGetItem",
  "dynamodb:Query",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:ConditionCheckItem",
] as const;

sst.Linkable.wrap(sst.aws.Dynamo, (table) => ({
  properties: { name: table.name },
  include: [
    sst.aws.permission({
      actions: [...tableItemActions],
      // The table and its indexes (Query on gsi1/gsi2); not its stream, whose reader gets its
      // own grant from the stream subscription (infra/fan-out.ts).
      resources: [table.arn, $interpolate`${table.arn}/index/*`],
    }),
  ],
}));

/**
 * The single table, from the same definition the local stack gives DynamoDB Local: keys, `gsi1`
 * and `gsi2`, TTL on `expiresAt`, stream of new and old images (the fan-out reads it; see
 * infra/fan-out.ts). Production's table is data that must survive any deploy (infra/stage.ts).
 */
export const table = new sst.aws.Dynamo("Table", {
  ...tableDefinition,
  deletionProtection: isProduction,
  transform: {
    table: (_args, opts) => {
      protectData(opts);
    },
  },
});
