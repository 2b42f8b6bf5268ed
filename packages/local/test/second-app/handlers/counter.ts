import { UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from "aws-lambda";
import { dynamodb, tableName } from "./aws";

/** `POST /counters/{name}`: one more, for the signed-in user (the JWT authorizer's `sub`). */
export const increment = async (event: APIGatewayProxyEventV2WithJWTAuthorizer) => {
  const name = event.pathParameters?.name ?? "";
  const result = await dynamodb.send(
    new UpdateItemCommand({
      TableName: tableName(),
      Key: { pk: { S: `COUNTER#${name}` }, sk: { S: "COUNT" } },
      UpdateExpression: "ADD #value :one",
      ExpressionAttributeNames: { "#value": "value" },
      ExpressionAttributeValues: { ":one": { N: "1" } },
      ReturnValues: "UPDATED_NEW",
    }),
  );
  const value = Number(result.Attributes?.value?.N);
  return { statusCode: 200, body: JSON.stringify({ name, value, by: event.requestContext.authorizer.jwt.claims.sub }) };
};
