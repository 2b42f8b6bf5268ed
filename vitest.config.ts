import { defineConfig } from "vitest/config";

// Five projects, by what a test needs to run:
//   unit        — nothing but Node; milliseconds each.
//   integration — DynamoDB Local and cognito-local, started once for the run by the global setup
//                 (in-memory, free ports) and handed to tests through `inject()`.
//   e2e         — the whole local stack and Debian's Chromium.
//   infra       — SST's platform (`sst install`, cached) and Pulumi mocks.
//   races       — integration tests of many writers racing for one item, run after the rest.
const integrationSetup = "packages/local/test/global-setup.ts";
// Integration tests whose subject is concurrency on one item (project `races`).
const races = ["packages/core/src/chat.integration.test.ts"];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["packages/*/{src,test}/**/*.test.{ts,tsx}"],
          exclude: ["**/node_modules/**", "**/*.integration.test.ts", "**/*.e2e.test.ts"],
        },
      },
      {
        test: {
          name: "integration",
          include: ["packages/*/{src,test}/**/*.integration.test.ts", "test/**/*.integration.test.ts"],
          exclude: ["**/node_modules/**", ...races],
          globalSetup: [integrationSetup],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: "races",
          include: races,
          globalSetup: [integrationSetup],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // After every other project, on DynamoDB Local of their own: dozens of writers racing
          // for one item measure the seq race, not the other files' load on the same JVM (in a
          // full run beside them, 50 writers took over 60 s; alone, 8 s).
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: "e2e",
          include: ["packages/*/{src,test}/**/*.e2e.test.ts"],
          globalSetup: [integrationSetup],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: "infra",
          include: ["infra/**/*.test.ts"],
          globalSetup: ["infra/check/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
