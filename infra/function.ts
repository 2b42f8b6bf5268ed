import type { FunctionRoute, Link } from "@live-orders/functions/routes";
import { connectionsEnvironment } from "./connections-transport";
import type { FunctionSizing } from "./function-sizing";

/**
 * Every Lambda function runs on Node.js 22. SST 4 defaults to 24.x; 22 is the LTS line the
 * handlers, their tests and the local stack are built and run with.
 */
export const lambdaRuntime = "nodejs22.x";

/** The components a route may link, by the `Link` name it uses (and `Resource.<name>` at run time). */
export type LinkTargets = Partial<Record<Link, $util.Resource>>;

/**
 * Function arguments for one entry of the route table: its handler, the runtime, its size
 * (infra/function-sizing.ts: architecture, memory and timeout are always given, never SST's
 * defaults), exactly the links the table lists (least privilege: a link is also the only
 * IAM grant a function gets, apart from what `extra` names; `extra.environment` is configuration
 * that is no resource, such as the web app's origins), and, for a function that posts to
 * `@connections`, its transport settings (infra/connections-transport.ts).
 */
export function lambdaFor(
  route: FunctionRoute,
  targets: LinkTargets,
  sizing: FunctionSizing,
  extra: Pick<sst.aws.FunctionArgs, "permissions"> & { environment?: Record<string, $util.Input<string>> } = {},
): sst.aws.FunctionArgs {
  return {
    ...extra,
    handler: route.handler,
    runtime: lambdaRuntime,
    architecture: sizing.architecture,
    memory: `${sizing.memoryMb} MB`,
    timeout: `${sizing.timeoutSeconds} seconds`,
    environment: { ...connectionsEnvironment(route), ...extra.environment },
    link: route.link.map((name) => {
      const target = targets[name];
      // A missing target is a wiring mistake in infra/, not a runtime condition: fail the deploy.
      if (!target) throw new Error(`${route.handler} links "${name}", which is not available here`);
      return target;
    }),
  };
}
