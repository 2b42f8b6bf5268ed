/**
 * Phase "transport": the `@connections` client alone, the SDK's against the lean one (by default
 * and with the pipelined opt-in): the
 * same posts, with the fan-out's concurrency, to the same live sockets (CPU per call measured
 * in-process, where on this machine the gateway also runs).
 */
import { PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";
import { LeanConnectionsClient } from "@live-orders/connections/lean-client";
import { localManagementApiClient } from "@live-orders/local/clients";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "@live-orders/local/config";
import { connectionItems } from "@live-orders/local/testing/table";
import { type Bench, progress, quick } from "./bench-context";
import { round } from "./stats";

export interface TransportResult {
  client: string;
  posts: number;
  postsPerSec: number;
  cpuMsPerPost: number;
}

const sockets = 500;
const inFlight = 25;

export async function measureTransport(bench: Bench): Promise<TransportResult[]> {
  const { stack, fleet } = bench;
  const posts = quick ? 3000 : 6000;
  progress(
    `@connections client alone: ${posts} posts to ${sockets} sockets, SDK client, lean client and its pipelined opt-in …`,
  );
  await fleet.send({ op: "connect", group: "transport", ...bench.stackTarget, count: sockets, concurrency: 25 });
  const ids = await connectionIdsOnceSettled(bench);
  const data = Buffer.from(
    JSON.stringify({ type: "event", topic: "order:bench", seq: 1, event: { kind: "order.status", status: "ready" } }),
  );
  const endpoint = stack.outputs.wsManagementEndpoint;
  const clients = {
    sdk: () => {
      const client = localManagementApiClient(endpoint);
      return {
        post: (id: string) => client.send(new PostToConnectionCommand({ ConnectionId: id, Data: data })),
        close: () => client.destroy(),
      };
    },
    lean: () => {
      const client = new LeanConnectionsClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
      return { post: (id: string) => client.post(id, data), close: () => client.destroy() };
    },
    "lean, pipelined opt-in (4 × 32)": () => {
      const client = new LeanConnectionsClient({
        endpoint,
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
        connections: 4,
        pipelining: 32,
      });
      return { post: (id: string) => client.post(id, data), close: () => client.destroy() };
    },
  };
  const results: TransportResult[] = [];
  for (const pass of [0, 1]) {
    for (const [name, make] of Object.entries(clients)) {
      const client = make();
      const armed = await fleet.arm({
        op: "arm",
        group: "transport",
        from: 0,
        to: sockets,
        marker: `"topic":"order:bench"`,
        count: posts / sockets,
        timeoutMs: 120_000,
      });
      const cpu = process.cpuUsage();
      const started = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          while (next < posts) await client.post(ids[next++ % ids.length] as string);
        }),
      );
      const ms = performance.now() - started;
      const used = process.cpuUsage(cpu);
      await armed.received;
      client.close();
      if (pass === 0) continue; // the first pass warms both up
      const row = {
        client: name,
        posts,
        postsPerSec: round(posts / (ms / 1000), 0),
        cpuMsPerPost: round((used.user + used.system) / 1000 / posts, 3),
      };
      results.push(row);
      progress(
        `  @connections via ${name}: ${row.postsPerSec} posts/s, ${row.cpuMsPerPost} ms CPU per post (gateway included)`,
      );
    }
  }
  await fleet.send({ op: "kill", group: "transport" });
  await bench.settleDisconnects();
  return results;
}

/** The ids of the fleet's sockets: the table holds exactly these once the earlier groups' `$disconnect`s are done. */
async function connectionIdsOnceSettled({ stack }: Bench): Promise<string[]> {
  const registered = async () =>
    (await connectionItems(stack.outputs)).flatMap((item) => (item.connectionId?.S ? [item.connectionId.S] : []));
  let ids = await registered();
  for (
    const deadline = Date.now() + 60_000;
    ids.length !== sockets && Date.now() < deadline;
    ids = await registered()
  ) {
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (ids.length !== sockets) throw new Error(`${ids.length} connection items for ${sockets} open sockets`);
  return ids;
}
