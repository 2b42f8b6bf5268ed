import {
  ApiGatewayManagementApiClient,
  GetConnectionCommand,
  PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";
import type { FinalizeRequestMiddleware } from "@smithy/types";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LOCAL_CREDENTIALS } from "../../src/config";
import { type ConformanceTarget, startConformanceTarget } from "./target";
import { TestClient } from "./ws-client";

/**
 * `@connections` is IAM-authorized: API Gateway verifies the SigV4 signature of every call
 * before it looks at the connection. A request that is not validly signed gets a 403 and does
 * nothing, whatever connection it names.
 */
let target: ConformanceTarget;
let client: TestClient;
let connectionId: string;
beforeAll(async () => {
  target = await startConformanceTarget();
});
afterAll(() => target?.close());
beforeEach(async () => {
  client = await TestClient.connect(target.main.wsUrl, { ticket: "allow" });
  connectionId = await client.whoami();
});
afterEach(() => client.close());

/** An SDK client signing with the given key, without retries (a retry would re-sign). */
function clientWith(credentials: { accessKeyId: string; secretAccessKey: string }, region = target.region) {
  return new ApiGatewayManagementApiClient({
    endpoint: target.main.managementEndpoint,
    region,
    credentials,
    maxAttempts: 1,
  });
}

/** Changes the request after the SDK signed it (what a proxy or an attacker could do). */
function tamperAfterSigning(
  sdk: ApiGatewayManagementApiClient,
  change: (request: { body?: unknown; headers: Record<string, string> }) => void,
) {
  const tamper: FinalizeRequestMiddleware<any, any> = (next) => async (args) => {
    change(args.request as { body?: unknown; headers: Record<string, string> });
    return next(args);
  };
  sdk.middlewareStack.addRelativeTo(tamper, {
    relation: "after",
    toMiddleware: "httpSigningMiddleware",
    name: "tamper",
  });
  return sdk;
}

async function nothingArrives(socket: TestClient, key: string): Promise<void> {
  expect(await socket.collect((frame) => (frame as Record<string, unknown>)?.[key] !== undefined, 300)).toEqual([]);
}

const denied = (name: string) => ({ name, $metadata: { httpStatusCode: 403 } });

describe("@connections SigV4", () => {
  it("accepts the SDK's signature and delivers", async () => {
    await target
      .managementClient(target.main.managementEndpoint)
      .send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: '{"signed":true}' }));

    expect(await client.next((frame) => (frame as { signed?: boolean })?.signed === true)).toEqual({ signed: true });
  });

  it("refuses a signature made with the wrong secret: 403 InvalidSignatureException, nothing delivered", async () => {
    const sdk = clientWith({ accessKeyId: target.accessKeyId, secretAccessKey: "not-the-secret" });

    const attempt = sdk.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: '{"forged":true}' }));

    await expect(attempt).rejects.toMatchObject(denied("InvalidSignatureException"));
    await nothingArrives(client, "forged");
  });

  it("refuses an unknown access key: 403 UnrecognizedClientException", async () => {
    const sdk = clientWith({
      accessKeyId: "AKIAIOSFODNN7EXAMPLE",
      secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    });

    const attempt = sdk.send(new GetConnectionCommand({ ConnectionId: connectionId }));

    await expect(attempt).rejects.toMatchObject(denied("UnrecognizedClientException"));
  });

  it("refuses a body changed after signing", async () => {
    const sdk = tamperAfterSigning(target.managementClient(target.main.managementEndpoint), (request) => {
      request.body = '{"altered":true}';
      request.headers["content-length"] = String(Buffer.byteLength('{"altered":true}'));
    });

    const attempt = sdk.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: '{"original":true}' }));

    await expect(attempt).rejects.toMatchObject(denied("InvalidSignatureException"));
    await nothingArrives(client, "altered");
    await nothingArrives(client, "original");
  });

  it("refuses a path changed after signing (another connection)", async () => {
    const other = await TestClient.connect(target.main.wsUrl, { ticket: "allow" });
    const otherId = await other.whoami();
    const sdk = tamperAfterSigning(target.managementClient(target.main.managementEndpoint), (request) => {
      const path = (request as unknown as { path: string }).path;
      (request as unknown as { path: string }).path = path.replace(
        encodeURIComponent(connectionId),
        encodeURIComponent(otherId),
      );
    });

    const attempt = sdk.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: '{"redirected":true}' }));

    await expect(attempt).rejects.toMatchObject(denied("InvalidSignatureException"));
    await nothingArrives(other, "redirected");
    await other.close();
  });

  it("refuses a signature dated more than 5 minutes off", async () => {
    const sdk = new ApiGatewayManagementApiClient({
      endpoint: target.main.managementEndpoint,
      region: target.region,
      maxAttempts: 1,
      // The signer's clock runs 10 minutes behind.
      systemClockOffset: -10 * 60 * 1000,
      ...(target.accessKeyId === LOCAL_CREDENTIALS.accessKeyId ? { credentials: LOCAL_CREDENTIALS } : {}),
    });

    const attempt = sdk.send(new GetConnectionCommand({ ConnectionId: connectionId }));

    await expect(attempt).rejects.toMatchObject(denied("InvalidSignatureException"));
  });

  it("refuses a signature scoped to another region", async () => {
    const sdk = new ApiGatewayManagementApiClient({
      endpoint: target.main.managementEndpoint,
      region: target.region === "eu-west-1" ? "us-east-1" : "eu-west-1",
      maxAttempts: 1,
      ...(target.accessKeyId === LOCAL_CREDENTIALS.accessKeyId ? { credentials: LOCAL_CREDENTIALS } : {}),
    });

    const attempt = sdk.send(new GetConnectionCommand({ ConnectionId: connectionId }));

    await expect(attempt).rejects.toMatchObject(denied("InvalidSignatureException"));
  });

  it("refuses an Authorization header that is not SigV4", async () => {
    const response = await fetch(`${target.main.managementEndpoint}/@connections/${encodeURIComponent(connectionId)}`, {
      method: "POST",
      headers: { authorization: "Bearer something" },
      body: '{"bearer":true}',
    });

    expect(response.status).toBe(403);
    await nothingArrives(client, "bearer");
  });
});
