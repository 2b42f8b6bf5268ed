/**
 * Runs INSIDE the bundle that infra/check/graph.ts builds from sst.config.ts (a child Node
 * process whose bundle lives in .sst/platform/, so `@pulumi/*` resolve to SST's own copies).
 *
 * It plays the two parts the `sst` CLI plays around a real deploy, and nothing else:
 *   - the Pulumi engine, through `pulumi.runtime.setMocks`: every resource the config registers
 *     is recorded with its inputs (and parent, retainOnDelete, protect), and answered with
 *     plausible AWS outputs (ARNs, endpoints) so that components can wire to each other;
 *   - the CLI's JSON-RPC server at `SST_SERVER` (`Provider.Aws.Bootstrap`, `Runtime.Build`),
 *     where `Runtime.Build` records what SST would bundle (handler, links) instead of bundling.
 * Everything in between — SST's components, the app's infra/ code — is the real code.
 * The recorded graph is written as JSON to the path in LIVE_ORDERS_GRAPH_OUT.
 */

import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as settings from "@pulumi/pulumi/runtime/settings.js";
import { runInPulumiStack } from "@pulumi/pulumi/runtime/stack.js";
import type { BuildRecord, CallRecord, Graph, ResourceRecord } from "./graph-types";
import { MOCK_ACCOUNT, MOCK_REGION } from "./mock-values";

/** Replaced at bundle time (esbuild `define`, see graph.ts), as the CLI does. */
declare const $app: Graph["app"];
declare const $cli: { paths: { root: string } };

interface SstConfig {
  run(): Promise<unknown>;
}

type Run = (program: () => Promise<unknown>) => Promise<Record<string, unknown>>;

const resources: ResourceRecord[] = [];
const calls: CallRecord[] = [];
const builds: BuildRecord[] = [];
const errors: string[] = [];

/** The outputs AWS would return for a resource, as far as the components read them. */
function mockState(type: string, name: string, id: string, inputs: Record<string, unknown>) {
  const region = MOCK_REGION;
  const account = MOCK_ACCOUNT;
  const service = type.split(":")[1]?.split("/")[0] ?? "unknown";
  const state: Record<string, unknown> = {
    ...inputs,
    id,
    arn: `arn:aws:${service}:${region}:${account}:${name}`,
  };
  switch (type) {
    case "aws:lambda/function:Function": {
      // As AWS: the function's name is the physical name SST gives it, and its ARN ends in that.
      const functionName = (inputs.name as string | undefined) ?? name;
      const arn = `arn:aws:lambda:${region}:${account}:function:${functionName}`;
      return {
        ...state,
        arn,
        name: functionName,
        version: "$LATEST",
        qualifiedArn: `${arn}:$LATEST`,
        invokeArn: `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${arn}/invocations`,
        qualifiedInvokeArn: `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${arn}:$LATEST/invocations`,
      };
    }
    case "aws:iam/role:Role":
      return { ...state, arn: `arn:aws:iam::${account}:role/${name}`, name };
    case "aws:apigatewayv2/api:Api": {
      const scheme = inputs.protocolType === "WEBSOCKET" ? "wss" : "https";
      return {
        ...state,
        apiEndpoint: `${scheme}://${id}.execute-api.${region}.amazonaws.com`,
        executionArn: `arn:aws:execute-api:${region}:${account}:${id}`,
        arn: `arn:aws:apigateway:${region}::/apis/${id}`,
      };
    }
    case "aws:apigatewayv2/stage:Stage":
      return { ...state, name: inputs.name ?? "$default" };
    case "aws:dynamodb/table:Table": {
      const arn = `arn:aws:dynamodb:${region}:${account}:table/${inputs.name ?? name}`;
      return {
        ...state,
        arn,
        name: inputs.name ?? name,
        streamArn: inputs.streamEnabled ? `${arn}/stream/2026-01-01T00:00:00.000` : undefined,
        streamLabel: inputs.streamEnabled ? "2026-01-01T00:00:00.000" : undefined,
      };
    }
    case "aws:cognito/userPool:UserPool":
      return {
        ...state,
        arn: `arn:aws:cognito-idp:${region}:${account}:userpool/${id}`,
        endpoint: `cognito-idp.${region}.amazonaws.com/${id}`,
      };
    case "aws:cognito/userPoolClient:UserPoolClient":
      return { ...state, clientSecret: inputs.generateSecret ? "mock-secret" : "" };
    case "aws:cloudfront/distribution:Distribution":
      return { ...state, domainName: `${id}.cloudfront.net`, hostedZoneId: "Z2FDTNDATAQYW2" };
    case "aws:s3/bucketV2:BucketV2":
    case "aws:s3/bucket:Bucket": {
      const bucket = (inputs.bucket as string | undefined) ?? name.toLowerCase();
      return {
        ...state,
        bucket,
        arn: `arn:aws:s3:::${bucket}`,
        bucketDomainName: `${bucket}.s3.amazonaws.com`,
        bucketRegionalDomainName: `${bucket}.s3.${region}.amazonaws.com`,
      };
    }
    case "aws:sqs/queue:Queue": {
      const queueName = (inputs.name as string | undefined) ?? name;
      return {
        ...state,
        name: queueName,
        arn: `arn:aws:sqs:${region}:${account}:${queueName}`,
        url: `https://sqs.${region}.amazonaws.com/${account}/${queueName}`,
      };
    }
    case "aws:sns/topic:Topic":
      return { ...state, arn: `arn:aws:sns:${region}:${account}:${(inputs.name as string | undefined) ?? name}` };
    case "aws:cloudfront/keyValueStore:KeyValueStore":
      return { ...state, arn: `arn:aws:cloudfront::${account}:key-value-store/${id}` };
    default:
      return state;
  }
}

/** The answers to the provider functions the components call. */
function mockCall(token: string, inputs: Record<string, any>): Record<string, unknown> {
  switch (token) {
    case "aws:index/getRegion:getRegion":
      return {
        id: MOCK_REGION,
        name: MOCK_REGION,
        region: MOCK_REGION,
        endpoint: `ec2.${MOCK_REGION}.amazonaws.com`,
        description: "US East (N. Virginia)",
      };
    case "aws:index/getPartition:getPartition":
      return { id: "aws", partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return {
        id: MOCK_ACCOUNT,
        accountId: MOCK_ACCOUNT,
        arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/check`,
        userId: "AIDACHECK",
      };
    case "aws:iam/getPolicyDocument:getPolicyDocument": {
      const statements = (inputs.statements ?? []) as Record<string, unknown>[];
      const json = JSON.stringify({
        Version: "2012-10-17",
        Statement: statements.map((s) => ({
          Effect: s.effect ?? "Allow",
          Action: s.actions,
          Resource: s.resources,
          ...(s.principals ? { Principal: s.principals } : {}),
          ...(s.conditions ? { Condition: s.conditions } : {}),
        })),
      });
      return { id: "policy", json, minifiedJson: json, statements };
    }
    default:
      // Recorded: the graph test fails on any call it does not know how to answer truthfully.
      errors.push(`unmocked provider call ${token}`);
      return {};
  }
}

/** JSON-safe copy: resource references become their URN, cycles are cut. */
function plain(value: unknown): unknown {
  const seen = new WeakSet<object>();
  return JSON.parse(
    JSON.stringify(value, (_key, v) => {
      if (pulumi.Resource.isInstance(v)) return { resource: (v as any).__name ?? "resource" };
      if (typeof v === "object" && v !== null) {
        if (seen.has(v)) return "[circular]";
        seen.add(v);
      }
      return v;
    }) ?? "null",
  );
}

/** Pulumi's own "RPC queue drained" promise (what `disconnect` awaits); marked @internal in its typings. */
const waitForRPCs = (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs;

let activity = 0;
let inFlight = 0;

/**
 * Components create resources inside `apply` callbacks, some after an RPC to the CLI server
 * (Runtime.Build), so the program is done only when Pulumi's RPC queue is drained AND nothing
 * new happened for a while.
 */
async function settle(): Promise<void> {
  const deadline = Date.now() + 120_000;
  let seen = -1;
  while (Date.now() < deadline) {
    await waitForRPCs();
    await new Promise((r) => setTimeout(r, 250));
    const now = activity + resources.length + calls.length;
    if (now === seen && inFlight === 0) return;
    seen = now;
  }
  errors.push("the program did not settle within 120 s");
}

/** SST's CLI server, reduced to the methods the AWS components call outside `sst dev`. */
function startRpcServer(workDir: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    inFlight++;
    activity++;
    res.on("finish", () => inFlight--);
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const { method, params } = JSON.parse(body) as { method: string; params: [any] };
      const reply = (result: unknown, error?: string) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ id: null, result: error ? null : result, error: error ?? null }));
      };
      const args = params[0];
      switch (method) {
        case "Provider.Aws.Bootstrap":
          return reply({
            asset: `sst-asset-check-${args.region}`,
            assetEcrRegistryId: MOCK_ACCOUNT,
            assetEcrUrl: `${MOCK_ACCOUNT}.dkr.ecr.${args.region}.amazonaws.com/sst-asset`,
            state: `sst-state-check-${args.region}`,
            appsyncHttp: "",
            appsyncRealtime: "",
          });
        case "Runtime.Build": {
          // What SST's bundler would receive; the bundle itself is a placeholder file, since
          // what is under test is the wiring, not the handler code (tested elsewhere).
          builds.push(
            plain({
              functionID: args.functionID,
              handler: args.handler,
              runtime: args.runtime,
              links: args.links,
              properties: args.properties,
            }) as BuildRecord,
          );
          const out = path.join(workDir, "build", String(args.functionID));
          const file = String(args.handler).replace(/\.[^./]+$/, ".mjs");
          fs.mkdirSync(path.dirname(path.join(out, file)), { recursive: true });
          fs.writeFileSync(path.join(out, file), "// placeholder bundle written by infra/check/harness.ts\n");
          return reply({ handler: args.handler, out, errors: [], sourcemaps: [] });
        }
        default:
          errors.push(`unanswered SST RPC ${method}`);
          return reply(null, `rpc: can't find method ${method}`);
      }
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

export async function evaluate(options: { config: SstConfig; run: Run }): Promise<void> {
  const outFile = process.env.LIVE_ORDERS_GRAPH_OUT;
  const workDir = process.env.LIVE_ORDERS_WORK;
  if (!outFile || !workDir) throw new Error("harness: LIVE_ORDERS_GRAPH_OUT and LIVE_ORDERS_WORK must be set");
  const app = $app;

  process.on("unhandledRejection", (reason) =>
    errors.push(`unhandled rejection: ${String((reason as Error)?.stack ?? reason)}`),
  );

  const server = await startRpcServer(workDir);
  process.env.SST_SERVER = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        // `id` is the import id: "" unless importing. An empty id would leave the resource's id unknown.
        const id = args.id || `${args.name}-id`;
        const record = resources.find((r) => r.type === args.type && r.name === args.name);
        if (record) record.inputs = plain(args.inputs) as Record<string, unknown>;
        return { id, state: mockState(args.type, args.name, id, args.inputs) };
      },
      call(args) {
        calls.push({ token: args.token, inputs: plain(args.inputs) as Record<string, unknown> });
        return mockCall(args.token, args.inputs);
      },
    },
    app.name,
    app.stage,
    false,
  );

  // The mock API passes type, name and inputs only; parent and resource options are read
  // from the registration request itself.
  const monitor = settings.getMonitor() as any;
  const registerResource = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: unknown) => {
    resources.push({
      type: req.getType(),
      name: req.getName(),
      custom: req.getCustom(),
      parent: req.getParent() || undefined,
      retainOnDelete: req.getRetainondelete?.() ?? false,
      protect: req.getProtect?.() ?? false,
      inputs: {},
    });
    return registerResource(req, callback);
  };

  let outputs: unknown = {};
  try {
    let returned: unknown;
    await runInPulumiStack(async () => (returned = await options.run(options.config.run)));
    // An output that never becomes known (a mock answer missing) would hang here: bound the wait.
    outputs = await Promise.race([
      new Promise((resolve) => pulumi.output(returned ?? {}).apply((v) => resolve(plain(v)))),
      new Promise((resolve) =>
        setTimeout(() => {
          errors.push("the stack outputs never resolved (an output whose value stayed unknown)");
          resolve({});
        }, 60_000).unref(),
      ),
    ]);
    await settle();
  } catch (error) {
    errors.push(String((error as Error)?.stack ?? error));
  } finally {
    server.close();
  }

  const graph: Graph = {
    stage: app.stage,
    root: $cli.paths.root,
    app: plain(app) as Graph["app"],
    resources,
    calls,
    builds,
    outputs: outputs as Record<string, unknown>,
    errors,
  };
  fs.writeFileSync(outFile, JSON.stringify(graph, null, 2));
}
