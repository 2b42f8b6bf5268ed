/**
 * The wire client against a loopback server standing in for DynamoDB: the request the SDK would
 * send (target, content type, signed headers, JSON body), the SDK's error shapes, and the SDK's
 * standard retries (throttling and 5xx again, a failed condition never).
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { DynamoServiceError, DynamoWireClient } from "./dynamo-client";

interface Seen {
  headers: IncomingMessage["headers"];
  body: unknown;
}

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

async function answering(answers: { status: number; body: object }[]): Promise<{ endpoint: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      seen.push({ headers: request.headers, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
      const answer = answers[Math.min(seen.length - 1, answers.length - 1)] ?? { status: 200, body: {} };
      response
        .writeHead(answer.status, { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": "req-1" })
        .end(JSON.stringify(answer.body));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const credentials = async () => ({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "token" });

describe("DynamoWireClient", () => {
  it("sends the JSON protocol's request, signed for dynamodb, and returns the JSON answer", async () => {
    const { endpoint, seen } = await answering([{ status: 200, body: { Item: { pk: { S: "a" } } } }]);
    const client = new DynamoWireClient({ endpoint, region: "eu-west-1", credentials });

    const output = await client.call("GetItem", { TableName: "t", Key: { pk: { S: "a" } } });
    client.destroy();

    expect(output).toEqual({ Item: { pk: { S: "a" } } });
    expect(seen[0]?.body).toEqual({ TableName: "t", Key: { pk: { S: "a" } } });
    expect(seen[0]?.headers).toMatchObject({
      "x-amz-target": "DynamoDB_20120810.GetItem",
      "content-type": "application/x-amz-json-1.0",
      "x-amz-security-token": "token",
    });
    expect(seen[0]?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/dynamodb\/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token;x-amz-target, Signature=[0-9a-f]{64}$/,
    );
  });

  it("throws a failed condition once, named as the SDK names it, with the item and the status", async () => {
    const { endpoint, seen } = await answering([
      {
        status: 400,
        body: {
          __type: "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
          message: "The conditional request failed",
          Item: { n: { N: "3" } },
        },
      },
    ]);
    const client = new DynamoWireClient({ endpoint, region: "us-east-1", credentials });

    const error = await client.call("UpdateItem", { TableName: "t" }).catch((e: unknown) => e);
    client.destroy();

    expect(error).toBeInstanceOf(DynamoServiceError);
    expect(error).toMatchObject({
      name: "ConditionalCheckFailedException",
      message: "The conditional request failed",
      Item: { n: { N: "3" } },
      $fault: "client",
      $metadata: { httpStatusCode: 400, requestId: "req-1", attempts: 1 },
    });
    expect(seen).toHaveLength(1);
  });

  it("retries throttling and 5xx as the SDK's standard mode does, up to 3 attempts", async () => {
    const throttled = {
      status: 400,
      body: { __type: "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException", message: "slow down" },
    };
    const { endpoint, seen } = await answering([throttled, { status: 500, body: {} }, { status: 200, body: {} }]);
    const client = new DynamoWireClient({ endpoint, region: "us-east-1", credentials });

    await expect(client.call("PutItem", { TableName: "t" })).resolves.toEqual({});
    const again = await answering([{ status: 503, body: {} }]);
    const failing = new DynamoWireClient({ endpoint: again.endpoint, region: "us-east-1", credentials });
    const error = await failing.call("PutItem", { TableName: "t" }).catch((e: unknown) => e);
    client.destroy();
    failing.destroy();

    expect(seen).toHaveLength(3);
    expect(error).toMatchObject({ name: "InternalServerError", $fault: "server", $metadata: { attempts: 3 } });
    expect(again.seen).toHaveLength(3);
  });
});
