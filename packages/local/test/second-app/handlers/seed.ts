import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { dynamodb, tableName } from "./aws";

/** The app's demo data (its `seed` hook runs this with the handlers' links): counters at 10. */
export async function seedCounters(names: string[]): Promise<void> {
  for (const name of names) {
    await dynamodb.send(
      new PutItemCommand({
        TableName: tableName(),
        Item: { pk: { S: `COUNTER#${name}` }, sk: { S: "COUNT" }, value: { N: "10" } },
      }),
    );
  }
  dynamodb.destroy();
}
