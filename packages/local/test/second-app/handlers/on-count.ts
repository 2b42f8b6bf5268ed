import { PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";
import { QueryCommand } from "@aws-sdk/client-dynamodb";
import type { DynamoDBStreamEvent } from "aws-lambda";
import { connections, dynamodb, tableName } from "./aws";

/** Each new count, to every open connection. */
export const handler = async (event: DynamoDBStreamEvent) => {
  const { Items = [] } = await dynamodb.send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: "CONNECTION" } },
    }),
  );
  const client = connections();
  for (const record of event.Records) {
    const image = record.dynamodb?.NewImage;
    const counter = image?.pk?.S?.slice("COUNTER#".length);
    const value = Number(image?.value?.N);
    for (const item of Items) {
      await client.send(
        new PostToConnectionCommand({ ConnectionId: item.sk?.S, Data: JSON.stringify({ counter, value }) }),
      );
    }
  }
};
