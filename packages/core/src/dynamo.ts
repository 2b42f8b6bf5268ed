/**
 * The one DynamoDB client of the app. Nothing else constructs one: the endpoint override for
 * DynamoDB Local lives here and only here.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { dynamoDbEndpoint, tableName } from "./config";

let documentClient: DynamoDBDocumentClient | undefined;

/** The document client (plain JS values in and out; `undefined` attributes dropped). */
export function dynamo(): DynamoDBDocumentClient {
  if (documentClient === undefined) {
    const endpoint = dynamoDbEndpoint();
    const client = new DynamoDBClient(endpoint === undefined ? {} : { endpoint });
    documentClient = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true },
    });
  }
  return documentClient;
}

/** The table every entity lives in. */
export function table(): string {
  return tableName();
}
