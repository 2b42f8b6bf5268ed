import { describe, expect, it } from "vitest";
import { DefaultPorts, dataDirFromEnv, dynamoDbHeap, javaCommand, portsFromEnv } from "./config";

describe("portsFromEnv", () => {
  it("uses SPEC §6's defaults when nothing is set", () => {
    expect(portsFromEnv({})).toEqual({ web: 5173, http: 3000, ws: 3001, dynamodb: 8000, cognito: 9329 });
    expect(portsFromEnv({})).toEqual(DefaultPorts);
  });

  it("takes each part's env var, 0 meaning a free port", () => {
    const env = { WEB_PORT: "4173", HTTP_PORT: "0", WS_PORT: "3101", DYNAMODB_PORT: "8001", COGNITO_PORT: "9330" };

    expect(portsFromEnv(env)).toEqual({ web: 4173, http: 0, ws: 3101, dynamodb: 8001, cognito: 9330 });
  });

  it.each(["abc", "-1", "70000", "80.5"])("rejects %s, naming the variable", (value) => {
    expect(() => portsFromEnv({ WS_PORT: value })).toThrow(`WS_PORT must be a port number (0-65535), got "${value}"`);
  });
});

describe("javaCommand", () => {
  it("prefers JAVA_HOME, else java on PATH", () => {
    expect(javaCommand({ JAVA_HOME: "/opt/jdk-21/" })).toBe("/opt/jdk-21/bin/java");
    expect(javaCommand({})).toBe("java");
  });
});

describe("dynamoDbHeap and dataDirFromEnv", () => {
  it("defaults and validates", () => {
    expect(dynamoDbHeap({})).toBe("512m");
    expect(dynamoDbHeap({ DYNAMODB_HEAP: "1g" })).toBe("1g");
    expect(() => dynamoDbHeap({ DYNAMODB_HEAP: "lots" })).toThrow(/DYNAMODB_HEAP/);
    expect(dataDirFromEnv("/repo", {})).toBe("/repo/.local");
    expect(dataDirFromEnv("/repo", { LIVE_ORDERS_DATA_DIR: "/data" })).toBe("/data");
  });
});
