import { PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";
import type { APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { connections } from "./aws";

/** Sends the frame's text back over `@connections`, as a real app answers on a WebSocket. */
export const handler = async (event: APIGatewayProxyWebsocketEventV2) => {
  const { text } = JSON.parse(event.body ?? "{}") as { text?: string };
  console.log(JSON.stringify({ level: "INFO", message: "echo", connectionId: event.requestContext.connectionId }));
  await connections().send(
    new PostToConnectionCommand({
      ConnectionId: event.requestContext.connectionId,
      Data: JSON.stringify({ echo: text }),
    }),
  );
  return { statusCode: 200 };
};
