import { DeleteItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import type { APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { dynamodb, tableName } from "./aws";

const key = (connectionId: string) => ({ pk: { S: "CONNECTION" }, sk: { S: connectionId } });

export const connect = async (event: APIGatewayProxyWebsocketEventV2) => {
  await dynamodb.send(new PutItemCommand({ TableName: tableName(), Item: key(event.requestContext.connectionId) }));
  return { statusCode: 200 };
};

export const disconnect = async (event: APIGatewayProxyWebsocketEventV2) => {
  await dynamodb.send(new DeleteItemCommand({ TableName: tableName(), Key: key(event.requestContext.connectionId) }));
  return { statusCode: 200 };
};
