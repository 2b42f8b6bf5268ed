import { defineConfig } from "vitest/config";

// Four projects, by what a test needs to run:
//   unit        — nothing but Node; milliseconds each.
//   integration — DynamoDB Local and cognito-local, started once for the run by the global setup
//                 (in-memory, free ports) and handed to tests through `inject()`.
//   e2e         — the whole local stack and Debian's Chromium.
//   infra       — SST's platform (`sst install`, cached) and Pulumi mocks.
const integrationSetup = "packages/local/test/global-setup.ts";

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
          globalSetup: [integrationSetup],
          testTimeout: 60_000,
          hookTimeout: 120_000,
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
