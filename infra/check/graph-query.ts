/** Reading a recorded graph (graph-types.ts) the way AWS wires it: by ids and ARNs, not by names. */
import type { BuildRecord, Graph, ResourceRecord } from "./graph-types";

export interface PolicyStatement {
  Effect: string;
  Action: string[];
  Resource: string[];
}

export class GraphQuery {
  constructor(readonly graph: Graph) {}

  all(type: string): ResourceRecord[] {
    return this.graph.resources.filter((r) => r.type === type);
  }

  one(type: string, predicate: (r: ResourceRecord) => boolean = () => true): ResourceRecord {
    const found = this.all(type).filter(predicate);
    if (found.length !== 1) {
      throw new Error(
        `expected exactly one ${type} matching, found ${found.length}: ${found.map((r) => r.name).join(", ")}`,
      );
    }
    return found[0]!;
  }

  /** The id the (mocked) engine gave a resource. */
  idOf(resource: ResourceRecord): string {
    return `${resource.name}-id`;
  }

  /** The resource whose (mocked) id is `id`. */
  byId(type: string, id: string): ResourceRecord {
    return this.one(type, (r) => this.idOf(r) === id);
  }

  api(protocolType: "WEBSOCKET" | "HTTP"): ResourceRecord {
    return this.one("aws:apigatewayv2/api:Api", (r) => r.inputs.protocolType === protocolType);
  }

  routesOf(api: ResourceRecord): ResourceRecord[] {
    return this.all("aws:apigatewayv2/route:Route").filter((r) => r.inputs.apiId === this.idOf(api));
  }

  authorizersOf(api: ResourceRecord): ResourceRecord[] {
    return this.all("aws:apigatewayv2/authorizer:Authorizer").filter((r) => r.inputs.apiId === this.idOf(api));
  }

  /** The name AWS knows a resource by: the physical name SST gave it, else the (mocked) default. */
  physicalNameOf(resource: ResourceRecord): string {
    return String(resource.inputs.name ?? resource.name);
  }

  /** The Lambda function an ARN (plain, qualified or an API Gateway invocation URI) points to. */
  lambdaByArn(arnOrUri: string): ResourceRecord {
    const match = /function:([A-Za-z0-9-_]+)/.exec(arnOrUri);
    if (!match) throw new Error(`no Lambda function ARN in ${arnOrUri}`);
    return this.one("aws:lambda/function:Function", (r) => this.physicalNameOf(r) === match[1]);
  }

  /** The Lambda function of a route-table handler reference. */
  lambdaOfHandler(handler: string): ResourceRecord {
    return this.one("aws:lambda/function:Function", (r) => r.inputs.handler === handler);
  }

  /** The alarm named `{app}-{stage}-{suffix}`. */
  alarm(suffix: string): ResourceRecord {
    return this.one("aws:cloudwatch/metricAlarm:MetricAlarm", (r) => String(r.inputs.name).endsWith(`-${suffix}`));
  }

  /** Route → integration → Lambda function, as API Gateway resolves it. */
  lambdaOfRoute(route: ResourceRecord): ResourceRecord {
    const integrationId = String(route.inputs.target).replace(/^integrations\//, "");
    const integration = this.byId("aws:apigatewayv2/integration:Integration", integrationId);
    return this.lambdaByArn(String(integration.inputs.integrationUri));
  }

  /** What SST was asked to bundle for a Lambda function (handler, links). */
  buildOf(fn: ResourceRecord): BuildRecord {
    const builds = this.graph.builds.filter((b) => b.handler === fn.inputs.handler);
    if (builds.length !== 1) throw new Error(`expected one build for ${fn.inputs.handler}, found ${builds.length}`);
    return builds[0]!;
  }

  /** The statements of a Lambda function's role's inline policy. */
  policyOf(fn: ResourceRecord): PolicyStatement[] {
    const roleName = String(fn.inputs.role).split(":role/")[1];
    const role = this.one("aws:iam/role:Role", (r) => r.name === roleName);
    const inline = (role.inputs.inlinePolicies ?? []) as { policy: string }[];
    return inline.flatMap((p) => (JSON.parse(p.policy) as { Statement: PolicyStatement[] }).Statement);
  }

  /** Every IAM action a function's role allows. */
  actionsOf(fn: ResourceRecord): string[] {
    return this.policyOf(fn).flatMap((s) => s.Action);
  }
}
