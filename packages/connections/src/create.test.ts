/**
 * Both `@connections` clients behind core's port, chosen by kind: the same requests on the wire
 * and the same errors (name, `$metadata.httpStatusCode`) for the callers in core.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectionsClientKind, isConnectionsClientKind } from "./client-kind";
import { createConnectionsClient } from "./create";
import { LeanConnectionsClient } from "./lean-client";
import { SdkConnectionsClient } from "./sdk-client";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

const seen: Seen[] = [];
const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    seen.push({
      method: request.method ?? "",
      url: request.url ?? "",
      headers: request.headers,
      body: Buffer.concat(chunks).toString("utf8"),
    });
    if (request.url?.endsWith("/gone")) {
      response.writeHead(410, { "content-type": "application/json", "x-amzn-ErrorType": "GoneException" });
      response.end('{"message":"gone"}');
    } else {
      response.writeHead(200, { "content-type": "application/json" });
      response.end("{}");
    }
  });
});
let endpoint = "";
const savedEnv = { ...process.env };

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_REGION: "eu-west-1",
    AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
    AWS_SECRET_ACCESS_KEY: "secret",
  });
  delete process.env.AWS_PROFILE;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod`;
});
afterAll(async () => {
  process.env = savedEnv;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("createConnectionsClient", () => {
  it("builds the client the kind names; the lean one is the default kind's", () => {
    const lean = createConnectionsClient(ConnectionsClientKind.Lean, endpoint);
    const sdk = createConnectionsClient(ConnectionsClientKind.Sdk, endpoint);
    expect(lean).toBeInstanceOf(LeanConnectionsClient);
    expect(sdk).toBeInstanceOf(SdkConnectionsClient);
    expect(isConnectionsClientKind("lean") && isConnectionsClientKind("sdk")).toBe(true);
    expect(isConnectionsClientKind("fast")).toBe(false);
    lean.destroy();
    sdk.destroy();
  });

  it.each([ConnectionsClientKind.Lean, ConnectionsClientKind.Sdk])(
    "%s: posts bytes, deletes, and reports Gone as the SDK does",
    async (kind) => {
      const client = createConnectionsClient(kind, endpoint);
      seen.length = 0;

      await client.post("a+b/c=", new TextEncoder().encode('{"type":"pong"}'));
      await client.delete("a+b/c=");
      const gone = client.post("gone", new TextEncoder().encode("{}"));

      await expect(gone).rejects.toMatchObject({ name: "GoneException", $metadata: { httpStatusCode: 410 } });
      expect(seen.map((r) => [r.method, r.url, r.body])).toEqual([
        ["POST", "/prod/@connections/a%2Bb%2Fc%3D", '{"type":"pong"}'],
        ["DELETE", "/prod/@connections/a%2Bb%2Fc%3D", ""],
        ["POST", "/prod/@connections/gone", "{}"],
      ]);
      for (const request of seen)
        expect(request.headers.authorization).toMatch(
          /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, /,
        );
      client.destroy();
    },
  );
});
