/**
 * The lean `@connections` client against the stock SDK client, request for request, on a
 * loopback server: same signatures, same paths and headers, same error names, the SDK's retry
 * budget, and credentials from a provider, refreshed before they expire. (That the
 * signatures are also *valid* is proven end to end against the local API Gateway's SigV4
 * verification, in test/reliability/connections-transport.integration.test.ts.)
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { afterEach, describe, expect, it } from "vitest";
import { LeanConnectionsClient } from "./lean-client";

interface Captured {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

/** A loopback server that records requests and answers with a programmable status. */
async function startRecorder(
  answer: (request: Captured, index: number) => { status: number; headers?: Record<string, string>; body?: string },
) {
  const captured: Captured[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const record = {
        method: request.method ?? "",
        url: request.url ?? "",
        headers: request.headers,
        body: Buffer.concat(chunks),
      };
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
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const credentials = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  sessionToken: "session-token-example",
};
const ids = ["L0SM9cOFvHcCIhw=", "a+b/c=", "plain", "x!'()*y"];

/** The SDK's signing date from its `x-amz-date`. */
const dateOf = (amzDate: string) =>
  new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );

describe("signatures", () => {
  it("are the SDK's: every captured SDK request re-signed by the transport has the same Authorization", async () => {
    const recorder = await startRecorder(() => ({ status: 200, body: "{}" }));
    const sdk = new ApiGatewayManagementApiClient({ endpoint: recorder.endpoint, region: "eu-west-1", credentials });
    const transport = new LeanConnectionsClient({ endpoint: recorder.endpoint, region: "eu-west-1", credentials });
    for (const id of ids) {
      await sdk.send(new PostToConnectionCommand({ ConnectionId: id, Data: Buffer.from(`{"to":"${id}","data":"é"}`) }));
      await sdk.send(new GetConnectionCommand({ ConnectionId: id }));
      await sdk.send(new DeleteConnectionCommand({ ConnectionId: id }));
    }

    for (const request of recorder.captured) {
      // Node adds `connection` after signing; everything else is what the SDK signed.
      const { authorization, connection: _, ...headers } = request.headers as Record<string, string>;
      const resigned = await transport.sign(
        {
          method: request.method,
          path: request.url,
          headers,
          body: request.body.length > 0 ? request.body : undefined,
        },
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
    const transport = new LeanConnectionsClient({ endpoint: recorder.endpoint, region: "us-east-1", credentials });

    await sdk.send(new PostToConnectionCommand({ ConnectionId: "a+b/c=", Data: '{"same":true}' }));
    await transport.post("a+b/c=", '{"same":true}');

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
  it("hashes a body once while the bytes repeat, and again when a reused buffer changes", async () => {
    const recorder = await startRecorder(() => ({ status: 200, body: "{}" }));
    const transport = new LeanConnectionsClient({ endpoint: recorder.endpoint, region: "us-east-1", credentials });
    const frame = Buffer.from('{"seq":1}');

    await transport.post("a", frame);
    await transport.post("b", frame);
    frame.write("2", 7); // the same buffer, now {"seq":2}
    await transport.post("c", frame);
    await transport.post("d", '{"seq":1}');

    const sha256 = (body: Buffer) => createHash("sha256").update(body).digest("hex");
    expect(recorder.captured.map((r) => r.body.toString())).toEqual([
      '{"seq":1}',
      '{"seq":1}',
      '{"seq":2}',
      '{"seq":1}',
    ]);
    for (const request of recorder.captured) expect(request.headers["x-amz-content-sha256"]).toBe(sha256(request.body));
    transport.destroy();
    await recorder.close();
  });

  it("sign an endpoint whose stage is $default as the SDK does: same path on the wire, same signature", async () => {
    const recorder = await startRecorder(() => ({ status: 200, body: "{}" }));
    const endpoint = recorder.endpoint.replace(/\/prod$/, "/$default");
    const sdk = new ApiGatewayManagementApiClient({ endpoint, region: "eu-west-1", credentials });
    const transport = new LeanConnectionsClient({ endpoint, region: "eu-west-1", credentials });

    await sdk.send(new PostToConnectionCommand({ ConnectionId: "L0SM9cOFvHcCIhw=", Data: '{"n":1}' }));
    await transport.post("L0SM9cOFvHcCIhw=", '{"n":1}');

    const [fromSdk, fromTransport] = recorder.captured as [Captured, Captured];
    expect(fromSdk.url).toBe("/$default/@connections/L0SM9cOFvHcCIhw%3D");
    expect(fromTransport.url).toBe(fromSdk.url);
    // The SDK's own request, re-signed: the canonical path of "$default" is the SDK's.
    const { authorization, connection: _, ...headers } = fromSdk.headers as Record<string, string>;
    const resigned = await transport.sign(
      { method: "POST", path: fromSdk.url, headers, body: fromSdk.body },
      dateOf(headers["x-amz-date"] as string),
    );
    expect(resigned.authorization).toBe(authorization);
    sdk.destroy();
    transport.destroy();
    await recorder.close();
  });
});

describe("errors and retries", () => {
  it("maps responses to the SDK's error names and statuses", async () => {
    const answers: Record<string, { status: number; headers?: Record<string, string>; body?: string }> = {
      gone: { status: 410, headers: { "x-amzn-ErrorType": "GoneException" }, body: '{"message":"gone"}' },
      big: {
        status: 413,
        headers: { "x-amzn-ErrorType": "PayloadTooLargeException:http://internal.amazon.com/coral/" },
        body: '{"message":"too big"}',
      },
      forbidden: {
        status: 403,
        headers: { "x-amzn-ErrorType": "ForbiddenException" },
        body: '{"message":"Forbidden"}',
      },
      unnamed: { status: 410, body: "" },
    };
    const recorder = await startRecorder(
      (request) => answers[decodeURIComponent(request.url.split("/").pop() as string)] ?? { status: 200 },
    );
    const transport = new LeanConnectionsClient({ endpoint: recorder.endpoint, credentials });

    await expect(transport.post("gone", "x")).rejects.toMatchObject({
      name: "GoneException",
      message: "gone",
      $metadata: { httpStatusCode: 410 },
    });
    await expect(transport.post("big", "x")).rejects.toMatchObject({
      name: "PayloadTooLargeException",
      $metadata: { httpStatusCode: 413 },
    });
    await expect(transport.delete("forbidden")).rejects.toMatchObject({ name: "ForbiddenException", $fault: "client" });
    await expect(transport.getConnection("unnamed")).rejects.toMatchObject({
      name: "GoneException",
      $metadata: { httpStatusCode: 410 },
    });
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
    const transport = new LeanConnectionsClient({ endpoint: recorder.endpoint, credentials });

    await transport.post("flaky", "x");
    const down = transport.post("down", "x");

    await expect(down).rejects.toMatchObject({
      name: "InternalServerErrorException",
      $metadata: { httpStatusCode: 503, attempts: 3 },
    });
    expect(recorder.captured.filter((r) => r.url.endsWith("/flaky"))).toHaveLength(3);
    expect(recorder.captured.filter((r) => r.url.endsWith("/down"))).toHaveLength(3);
    transport.destroy();
    await recorder.close();
  });

  it("gives up on 429 after the SDK's 3 attempts with LimitExceededException", async () => {
    const recorder = await startRecorder(() => ({
      status: 429,
      headers: { "x-amzn-ErrorType": "LimitExceededException" },
      body: "{}",
    }));
    const transport = new LeanConnectionsClient({ endpoint: recorder.endpoint, credentials });

    await expect(transport.post("any", "x")).rejects.toMatchObject({
      name: "LimitExceededException",
      $metadata: { httpStatusCode: 429, attempts: 3 },
    });
    transport.destroy();
    await recorder.close();
  });

  it("reports a refused connection as a retryable network error, not an HTTP error", async () => {
    const recorder = await startRecorder(() => ({ status: 200 }));
    const endpoint = recorder.endpoint;
    await recorder.close();
    const transport = new LeanConnectionsClient({ endpoint, credentials, maxAttempts: 2 });

    await expect(transport.post("any", "x")).rejects.toMatchObject({
      name: "ECONNREFUSED",
      $metadata: { httpStatusCode: undefined, attempts: 2 },
    });
    transport.destroy();
  });
});

describe("credentials", () => {
  const envNames = [
    "AWS_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
  ] as const;
  const saved = Object.fromEntries(envNames.map((name) => [name, process.env[name]]));
  afterEach(() => {
    for (const name of envNames) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });
  /** Session credentials as Lambda-like environments hand them out, expiring in `expiresInMs`. */
  const useEnvCredentials = (sessionToken: string, expiresInMs: number) => {
    delete process.env.AWS_PROFILE;
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SESSION_TOKEN: sessionToken,
      AWS_CREDENTIAL_EXPIRATION: new Date(Date.now() + expiresInMs).toISOString(),
    });
  };
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  // Outside Lambda (the replay CLI) the client is handed the SDK's `defaultProvider()` and keeps
  // no cache of its own: these pin the SDK behaviour it then relies on (memoizeChain in
  // @aws-sdk/credential-provider-node). On Lambda it reads the environment (core/aws-credentials.ts).
  it("resolves once and refreshes session credentials ahead of their expiry (the SDK's default provider)", async () => {
    useEnvCredentials("token-1", 60 * 60 * 1000);
    const provider = defaultProvider();

    const first = await Promise.all([provider(), provider(), provider()]);
    useEnvCredentials("token-2", 60 * 60 * 1000);
    const again = await provider();

    const expiring = defaultProvider();
    useEnvCredentials("short-1", 2 * 60 * 1000); // inside the SDK's 5-minute refresh margin
    const beforeRefresh = await expiring();
    useEnvCredentials("short-2", 60 * 60 * 1000);
    const whileRefreshing = await expiring();
    await settle();
    const afterRefresh = await expiring();

    expect(first.map((c) => c.sessionToken)).toEqual(["token-1", "token-1", "token-1"]);
    expect(again.sessionToken).toBe("token-1");
    // Within the margin the current set is still handed out while a refresh runs behind it.
    expect([beforeRefresh.sessionToken, whileRefreshing.sessionToken, afterRefresh.sessionToken]).toEqual([
      "short-1",
      "short-1",
      "short-2",
    ]);
  });

  it("waits for fresh credentials once the memoized ones have expired", async () => {
    useEnvCredentials("old", 50);
    const provider = defaultProvider();
    expect((await provider()).sessionToken).toBe("old");
    useEnvCredentials("new", 60 * 60 * 1000);
    await new Promise((resolve) => setTimeout(resolve, 60));

    expect((await provider()).sessionToken).toBe("new");
  });

  it("signs with the refreshed session token", async () => {
    const recorder = await startRecorder(() => ({ status: 200 }));
    let calls = 0;
    const transport = new LeanConnectionsClient({
      endpoint: recorder.endpoint,
      credentials: async () => {
        calls += 1;
        // The client keeps no credentials of its own: each request asks the provider.
        return { ...credentials, sessionToken: `rotated-${calls}`, expiration: new Date(Date.now() + 60_000) };
      },
    });

    await transport.post("a", "x");
    await transport.post("b", "x");

    expect(recorder.captured.map((r) => r.headers["x-amz-security-token"])).toEqual(["rotated-1", "rotated-2"]);
    transport.destroy();
    await recorder.close();
  });
});
