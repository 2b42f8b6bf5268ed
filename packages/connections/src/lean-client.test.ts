/**
 * The fast `@connections` transport against the stock SDK client, request for request, on a
 * loopback server: same signatures, same paths and headers, same error names, the SDK's retry
 * budget, and credentials refreshed before they expire. (That the signatures are also *valid*
 * is proven end to end against the local API Gateway's SigV4 verification, in
 * test/reliability/connections-transport.integration.test.ts.)
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";
import { describe, expect, it } from "vitest";
import { cachedCredentials, ConnectionsTransport } from "./connections-transport";

interface Captured {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

/** A loopback server that records requests and answers with a programmable status. */
async function startRecorder(answer: (request: Captured, index: number) => { status: number; headers?: Record<string, string>; body?: string }) {
  const captured: Captured[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const record = { method: request.method ?? "", url: request.url ?? "", headers: request.headers, body: Buffer.concat(chunks) };
      captured.push(record);
      const reply = answer(record, captured.length - 1);
      response.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
      response.end(reply.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}/prod`,
    captured,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: "session-token-example" };
const ids = ["L0SM9cOFvHcCIhw=", "a+b/c=", "plain", "x!'()*y"];

/** The SDK's signing date from its `x-amz-date`. */
const dateOf = (amzDate: string) =>
  new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);

describe("signatures", () => {
  it("are the SDK's: every captured SDK request re-signed by the transport has the same Authorization", async () => {
    const recorder = await startRecorder(() => ({ status: 200, body: "{}" }));
    const sdk = new ApiGatewayManagementApiClient({ endpoint: recorder.endpoint, region: "eu-west-1", credentials });
    const transport = new ConnectionsTransport({ endpoint: recorder.endpoint, region: "eu-west-1", credentials });
    for (const id of ids) {
      await sdk.send(new PostToConnectionCommand({ ConnectionId: id, Data: Buffer.from(`{"to":"${id}","data":"é"}`) }));
      await sdk.send(new GetConnectionCommand({ ConnectionId: id }));
      await sdk.send(new DeleteConnectionCommand({ ConnectionId: id }));
    }

    for (const request of recorder.captured) {
      // Node adds `connection` after signing; everything else is what the SDK signed.
      const { authorization, connection: _, ...headers } = request.headers as Record<string, string>;
      const resigned = await transport.sign(
        { method: request.method, path: request.url, headers, body: request.body.length > 0 ? request.body : undefined },
        dateOf(headers["x-amz-date"] as string),
      );
      expect(resigned.authorization).toBe(authorization);
    }
    expect(recorder.captured).toHaveLength(ids.length * 3);
    sdk.destroy();
    transport.destroy();
    await recorder.close();
  });

  it("signs what it sends the way the SDK does: same path, signed headers and payload hash", async () => {
    const recorder = await startRecorder(() => ({ status: 200, body: "{}" }));
    const sdk = new ApiGatewayManagementApiClient({ endpoint: recorder.endpoint, region: "us-east-1", credentials });
    const transport = new ConnectionsTransport({ endpoint: recorder.endpoint, region: "us-east-1", credentials });

    await sdk.send(new PostToConnectionCommand({ ConnectionId: "a+b/c=", Data: '{"same":true}' }));
    await transport.postToConnection("a+b/c=", '{"same":true}');

    const [fromSdk, fromTransport] = recorder.captured as [Captured, Captured];
    expect(fromTransport.url).toBe(fromSdk.url);
    expect(fromTransport.method).toBe("POST");
    expect(fromTransport.body.equals(fromSdk.body)).toBe(true);
    for (const header of ["content-type", "content-length", "host", "x-amz-content-sha256", "x-amz-security-token"]) {
      expect(fromTransport.headers[header], header).toBe(fromSdk.headers[header]);
    }
    expect(String(fromTransport.headers.authorization)).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/execute-api\/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
    );
    sdk.destroy();
    transport.destroy();
    await recorder.close();
  });
});

describe("errors and retries", () => {
  it("maps responses to the SDK's error names and statuses", async () => {
    const answers: Record<string, { status: number; headers?: Record<string, string>; body?: string }> = {
      gone: { status: 410, headers: { "x-amzn-ErrorType": "GoneException" }, body: '{"message":"gone"}' },
      big: { status: 413, headers: { "x-amzn-ErrorType": "PayloadTooLargeException:http://internal.amazon.com/coral/" }, body: '{"message":"too big"}' },
      forbidden: { status: 403, headers: { "x-amzn-ErrorType": "ForbiddenException" }, body: '{"message":"Forbidden"}' },
      unnamed: { status: 410, body: "" },
    };
    const recorder = await startRecorder((request) => answers[decodeURIComponent(request.url.split("/").pop() as string)] ?? { status: 200 });
    const transport = new ConnectionsTransport({ endpoint: recorder.endpoint, credentials });

    await expect(transport.postToConnection("gone", "x")).rejects.toMatchObject({ name: "GoneException", message: "gone", $metadata: { httpStatusCode: 410 } });
    await expect(transport.postToConnection("big", "x")).rejects.toMatchObject({ name: "PayloadTooLargeException", $metadata: { httpStatusCode: 413 } });
    await expect(transport.send(new DeleteConnectionCommand({ ConnectionId: "forbidden" }))).rejects.toMatchObject({ name: "ForbiddenException", $fault: "client" });
    await expect(transport.getConnection("unnamed")).rejects.toMatchObject({ name: "GoneException", $metadata: { httpStatusCode: 410 } });
    // Client errors are not retried.
    expect(recorder.captured).toHaveLength(4);
    transport.destroy();
    await recorder.close();
  });

  it("retries 429 LimitExceededException and 5xx, re-signing each attempt, then gives up with the error", async () => {
    const recorder = await startRecorder((request, index) =>
      request.url.endsWith("/flaky") && index < 2
        ? { status: 429, headers: { "x-amzn-ErrorType": "LimitExceededException" }, body: '{"message":"slow down"}' }
        : request.url.endsWith("/down")
          ? { status: 503, body: '{"message":"unavailable"}' }
          : { status: 200 },
    );
    const transport = new ConnectionsTransport({ endpoint: recorder.endpoint, credentials });

    await transport.postToConnection("flaky", "x");
    const down = transport.postToConnection("down", "x");

    await expect(down).rejects.toMatchObject({ name: "InternalServerErrorException", $metadata: { httpStatusCode: 503, attempts: 3 } });
    expect(recorder.captured.filter((r) => r.url.endsWith("/flaky"))).toHaveLength(3);
    expect(recorder.captured.filter((r) => r.url.endsWith("/down"))).toHaveLength(3);
    transport.destroy();
    await recorder.close();
  });

  it("gives up on 429 after the SDK's 3 attempts with LimitExceededException", async () => {
    const recorder = await startRecorder(() => ({ status: 429, headers: { "x-amzn-ErrorType": "LimitExceededException" }, body: "{}" }));
    const transport = new ConnectionsTransport({ endpoint: recorder.endpoint, credentials });

    await expect(transport.postToConnection("any", "x")).rejects.toMatchObject({ name: "LimitExceededException", $metadata: { httpStatusCode: 429, attempts: 3 } });
    transport.destroy();
    await recorder.close();
  });

  it("reports a refused connection as a retryable network error, not an HTTP error", async () => {
    const recorder = await startRecorder(() => ({ status: 200 }));
    const endpoint = recorder.endpoint;
    await recorder.close();
    const transport = new ConnectionsTransport({ endpoint, credentials, maxAttempts: 2 });

    await expect(transport.postToConnection("any", "x")).rejects.toMatchObject({ name: "ECONNREFUSED", $metadata: { httpStatusCode: undefined, attempts: 2 } });
    transport.destroy();
  });
});

describe("credentials", () => {
  it("resolves once and refreshes session credentials ahead of their expiry", async () => {
    let calls = 0;
    let expiresInMs = 60 * 60 * 1000;
    const provider = cachedCredentials(async () => {
      calls += 1;
      return { ...credentials, sessionToken: `token-${calls}`, expiration: new Date(Date.now() + expiresInMs) };
    });

    const first = await Promise.all([provider(), provider(), provider()]);
    const again = await provider();
    expiresInMs = 2 * 60 * 1000; // the next set expires within the 5-minute margin
    const forcedRefresh = await (async () => {
      // Expire the cached set: the provider hands out one that is already inside the margin.
      const shortLived = cachedCredentials(async () => ({ ...credentials, expiration: new Date(Date.now() + 60_000) }));
      let shortCalls = 0;
      const counting = cachedCredentials(async () => {
        shortCalls += 1;
        return shortLived();
      });
      await counting();
      await counting();
      return shortCalls;
    })();

    expect(first.map((c) => c.sessionToken)).toEqual(["token-1", "token-1", "token-1"]);
    expect(again.sessionToken).toBe("token-1");
    expect(calls).toBe(1);
    expect(forcedRefresh).toBe(2);
  });

  it("signs with the refreshed session token", async () => {
    const recorder = await startRecorder(() => ({ status: 200 }));
    let calls = 0;
    const transport = new ConnectionsTransport({
      endpoint: recorder.endpoint,
      credentials: async () => {
        calls += 1;
        // Each set is valid for 1 minute: inside the refresh margin, so every call refreshes.
        return { ...credentials, sessionToken: `rotated-${calls}`, expiration: new Date(Date.now() + 60_000) };
      },
    });

    await transport.postToConnection("a", "x");
    await transport.postToConnection("b", "x");

    expect(recorder.captured.map((r) => r.headers["x-amz-security-token"])).toEqual(["rotated-1", "rotated-2"]);
    transport.destroy();
    await recorder.close();
  });
});

