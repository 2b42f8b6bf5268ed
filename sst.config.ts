/// <reference path="./.sst/platform/config.d.ts" />

/**
 * Live Orders on AWS. `npx sst deploy --stage <name>` deploys a stage, `npx sst dev` runs the
 * handlers live on this machine (docs/deploy.md). One file per concern lives in infra/; the
 * route table they read (packages/functions/src/routes.ts) is the one the local stack serves.
 */
export default $config({
  app(input) {
    const production = input?.stage === "production";
    return {
      name: "live-orders",
      // Production keeps its table and buckets when removed and refuses `sst remove` outright;
      // every other stage is disposable.
      removal: production ? "retain" : "remove",
      protect: production,
      home: "aws",
    };
  },
  async run() {
    // SST allows no top-level imports here: each concern is imported inside run().
    const { userPool, webClient, region } = await import("./infra/auth");
    const { table } = await import("./infra/table");
    const { realtime } = await import("./infra/realtime");
    const { fanOutFailures } = await import("./infra/fan-out");
    const { api } = await import("./infra/api");
    const { web } = await import("./infra/web");
    // After the web app: the `$connect` authorizer admits browsers of its origin only.
    await import("./infra/realtime-routes");
    const { alarmTopic } = await import("./infra/alarms");

    // Same keys as the local stack's .local/outputs.json, so scripts can read either.
    return {
      web: web.url,
      api: api.url,
      ws: realtime.url,
      wsManagementEndpoint: realtime.managementEndpoint,
      userPoolId: userPool.id,
      userPoolClientId: webClient.id,
      region,
      table: table.name,
      // AWS only: where the fan-out's failed stream ranges wait for the replay command, and the
      // topic the alarms notify (docs/deploy.md).
      fanOutFailureQueue: fanOutFailures.url,
      alarmTopic: alarmTopic.arn,
    };
  },
});
