import { tableDefinition } from "@live-orders/core/table-definition";
import { isProduction } from "./stage";

/**
 * The single table, from the same definition the local stack gives DynamoDB Local: keys, `gsi1`
 * and `gsi2`, TTL on `expiresAt`, stream of new and old images (the fan-out reads it; see
 * infra/realtime.ts).
 */
export const table = new sst.aws.Dynamo("Table", {
  ...tableDefinition,
  deletionProtection: isProduction,
});
