import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tableDefinition } from "@live-orders/core/table-definition";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTableInput, parseJavaVersion, startDynamoDbLocal } from "../../src/dynamodb/dynamodb-local";
import { ComponentStartError, formatError, JavaMissingError, JavaTooOldError, PortInUseError } from "../../src/errors";

describe("createTableInput", () => {
  it("defines only the attributes keys use, pay-per-request, projecting all, with the stream", () => {
    const input = createTableInput("x", tableDefinition);

    expect(input.BillingMode).toBe("PAY_PER_REQUEST");
    expect(input.AttributeDefinitions?.map((a) => a.AttributeName).sort()).toEqual([
      "gsi1pk",
      "gsi1sk",
      "gsi2pk",
      "gsi2sk",
      "pk",
      "sk",
    ]);
    expect(input.GlobalSecondaryIndexes?.every((index) => index.Projection?.ProjectionType === "ALL")).toBe(true);
    expect(input.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" });
  });
});

describe("parseJavaVersion", () => {
  it.each([
    ['openjdk version "17.0.15" 2025-04-15', 17],
    ['openjdk version "21" 2023-09-19', 21],
    ['java version "1.8.0_392"', 8],
    ['openjdk version "11.0.2" 2019-01-15', 11],
  ])("reads %s as Java %i", (output, major) => {
    expect(parseJavaVersion(output)?.major).toBe(major);
  });
});

describe("startDynamoDbLocal bad paths", () => {
  let dir: string;
  const savedJavaHome = process.env.JAVA_HOME;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "fake-java-"));
  });
  afterEach(() => {
    if (savedJavaHome === undefined) delete process.env.JAVA_HOME;
    else process.env.JAVA_HOME = savedJavaHome;
    rmSync(dir, { recursive: true, force: true });
  });
  /** A JAVA_HOME whose bin/java runs `script` (a shell body). */
  function fakeJava(script: string): void {
    mkdirSync(join(dir, "bin"));
    writeFileSync(join(dir, "bin", "java"), `#!/bin/sh\n${script}\n`);
    chmodSync(join(dir, "bin", "java"), 0o755);
    process.env.JAVA_HOME = dir;
  }

  it("names Java 17+ and how to install it when Java is missing", async () => {
    process.env.JAVA_HOME = join(dir, "no-such-jdk");

    const error = await startDynamoDbLocal().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(JavaMissingError);
    expect(formatError(error)).toMatch(/Java 17 or newer/);
    expect(formatError(error)).toMatch(/openjdk-17-jre-headless/);
  });

  it("refuses a Java older than 17", async () => {
    fakeJava(`echo 'java version "1.8.0_392"' >&2`);

    const error = await startDynamoDbLocal().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(JavaTooOldError);
    expect((error as Error).message).toContain("Java 1.8.0_392");
  });

  it("reports the log tail when the JVM exits before it is ready", async () => {
    fakeJava(
      `if [ "$1" = "-version" ]; then echo 'openjdk version "17.0.1"' >&2; exit 0; fi\necho "Error: Unable to access jarfile" >&2; exit 3`,
    );

    const error = await startDynamoDbLocal().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ComponentStartError);
    expect(formatError(error)).toMatch(/DynamoDB Local failed to start: it exited with code 3/);
    expect(formatError(error)).toContain("Unable to access jarfile");
  });

  describe("with a port taken", () => {
    let server: Server;
    afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("names the port, the part and the env var", async () => {
      server = createServer();
      const port = await new Promise<number>((resolve) =>
        server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)),
      );

      const error = await startDynamoDbLocal({ port }).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(PortInUseError);
      expect(formatError(error)).toContain(`Port ${port} (DynamoDB Local) is already in use`);
      expect(formatError(error)).toContain(`DYNAMODB_PORT=<port> npm start`);
    });
  });
});
