/** The app's two clients, from its SST links (and the local DynamoDB endpoint, when set). */
import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { Resource } from "sst";

interface Links {
  Table: { name: string };
  Socket: { managementEndpoint: string };
}
const links = Resource as unknown as Links;

export const tableName = () => links.Table.name;
export const dynamodb = new DynamoDBClient({ endpoint: process.env.COUNTER_APP_DYNAMODB_ENDPOINT });
export const connections = () => new ApiGatewayManagementApiClient({ endpoint: links.Socket.managementEndpoint });
