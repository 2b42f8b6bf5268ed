/**
 * `npm run replay-fan-out`: re-drive what the fan-out gave up on (docs/deploy.md, "Replaying
 * failed fan-outs"; replay-fan-out.ts says how).
 *
 *   npx sst shell --stage production -- npm run replay-fan-out    AWS: the FanOutFailures queue
 *   npm run replay-fan-out -- --local                             the local stack (npm start running)
 *
 * On AWS, `sst shell` hands this process the stage's links (`Resource.FanOutFailures.url`,
 * `Resource.Table.name`, `Resource.Realtime.managementEndpoint`) and your credentials, which
 * need `sqs:ReceiveMessage`/`DeleteMessage` on the queue, `dynamodb:GetShardIterator`/
 * `GetRecords` on the table's stream, `dynamodb:GetItem` on the table and
 * `execute-api:ManageConnections`. Locally it reads `.local/outputs.json` (or
 * `$LIVE_ORDERS_DATA_DIR/outputs.json`) and the poller's `fan-out-failures/` beside it.
 * Exit status: 0 when every message was replayed and removed, 1 when some remain.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { SQSClient } from "@aws-sdk/client-sqs";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { createConnectionsClient } from "@live-orders/connections/create";
import { useCredentialProvider } from "@live-orders/core/aws-credentials";
import { Resource } from "sst";
import { connectionsClientKind, connectionsTransport, managementEndpoint } from "../config";
import { directoryFailureQueue, sqsFailureQueue } from "./failure-queues";
import { type FailureQueue, type ReplayOutcome, replayFanOutFailures } from "./replay-fan-out";

const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");

interface Target {
  queue: FailureQueue;
  streams: DynamoDBStreamsClient;
  describe: string;
}

/**
 * The local stack as its outputs describe it. Its keys are the local stack's own
 * (packages/local/src/config.ts `LOCAL_CREDENTIALS`, which its gateway verifies `@connections`
 * signatures against); this package cannot import that one.
 */
function localTarget(): Target {
  const dataDir = resolve(process.env.LIVE_ORDERS_DATA_DIR || join(rootDir, ".local"));
  const outputs = JSON.parse(readFileSync(join(dataDir, "outputs.json"), "utf8")) as {
    dynamoEndpoint: string;
    table: string;
    ws: string;
    wsManagementEndpoint: string;
  };
  const credentials = { accessKeyId: "local", secretAccessKey: "local" };
  Object.assign(process.env, {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    SST_RESOURCE_App: JSON.stringify({ name: "live-orders", stage: "local" }),
    SST_RESOURCE_Table: JSON.stringify({ name: outputs.table }),
    SST_RESOURCE_Realtime: JSON.stringify({ url: outputs.ws, managementEndpoint: outputs.wsManagementEndpoint }),
    LIVE_ORDERS_DYNAMODB_ENDPOINT: outputs.dynamoEndpoint,
  });
  const failures = join(dataDir, "fan-out-failures");
  return {
    queue: directoryFailureQueue(failures),
    streams: new DynamoDBStreamsClient({ endpoint: outputs.dynamoEndpoint, region: "us-east-1", credentials }),
    describe: `${failures} (local stack, table ${outputs.table})`,
  };
}

/** The stage `sst shell` linked this process to. */
function awsTarget(): Target {
  let url: string | undefined;
  try {
    url = (Resource as unknown as { FanOutFailures?: { url?: string } }).FanOutFailures?.url;
  } catch {
    // SST's Resource throws for a link it does not have.
  }
  if (!url)
    throw new Error(
      "no Resource.FanOutFailures: run under `npx sst shell --stage <stage> -- npm run replay-fan-out`, or pass --local",
    );
  // `sst shell` may hand over a profile rather than environment keys: the table's client (core)
  // then needs the SDK's whole chain, as the SDK clients here find it themselves.
  useCredentialProvider(defaultProvider());
  return { queue: sqsFailureQueue(new SQSClient({}), url), streams: new DynamoDBStreamsClient({}), describe: url };
}

const line = (outcome: ReplayOutcome) =>
  `  ${outcome.acknowledged ? "✓" : "✗"} ${outcome.id}: ${outcome.condition}, ${outcome.events} event(s), ` +
  `${outcome.delivered} delivered, ${outcome.gone} gone, ${outcome.failed} failed` +
  (outcome.error ? ` — ${outcome.error}` : outcome.acknowledged ? ", removed" : ", kept");

async function main(): Promise<void> {
  const target = process.argv.includes("--local") ? localTarget() : awsTarget();
  process.stdout.write(`Replaying failed fan-outs from ${target.describe}\n`);
  const connections = createConnectionsClient(connectionsClientKind(), managementEndpoint(), connectionsTransport());
  try {
    const outcomes = await replayFanOutFailures(target.queue, {
      streams: target.streams,
      connections,
      report: (outcome) => process.stdout.write(`${line(outcome)}\n`),
    });
    const kept = outcomes.filter((outcome) => !outcome.acknowledged).length;
    process.stdout.write(
      outcomes.length === 0
        ? "Nothing to replay.\n"
        : `${outcomes.length - kept} of ${outcomes.length} message(s) replayed and removed${kept ? `, ${kept} kept` : ""}.\n`,
    );
    process.exitCode = kept > 0 ? 1 : 0;
  } finally {
    connections.destroy();
    target.streams.destroy();
  }
}

await main().catch((error: Error) => {
  process.stderr.write(`✗ ${error.message}\n`);
  process.exitCode = 1;
});
