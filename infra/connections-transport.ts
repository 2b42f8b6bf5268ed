import { TransportEnv, type TransportSettings, transportDefaults } from "@live-orders/connections/transport-settings";
import { type FunctionRoute, Link } from "@live-orders/functions/routes";

/**
 * How each function that posts to `@connections` talks to API Gateway, handed to it as
 * configuration (`LIVE_ORDERS_CONNECTIONS_*`, read by packages/functions/src/config.ts), so the
 * transport's settings have one source: packages/connections/src/transport-settings.ts, whose
 * per-attempt timeout infra/function-sizing.ts also budgets with.
 *
 * Pipelining is an opt-in per function, keyed by handler: e.g.
 * `{ [streamSubscriber.handler]: { connections: 4, pipelining: 32 } }`. It is unmeasured against
 * AWS: nothing documents how execute-api treats pipelined requests, and against a server that
 * answers them concurrently and closes early, the requests behind the close run twice
 * (docs/benchmarks.md, "The @connections transport against HTTPS servers"). Measure it against
 * a deployed stage before opting in; by default no function does.
 */
export const pipelinedFunctions: Partial<Record<string, Pick<TransportSettings, "connections" | "pipelining">>> = {};

/** The transport settings of a route's function as environment variables; none for a function that does not post. */
export function connectionsEnvironment(route: FunctionRoute): Record<string, string> {
  if (!route.link.includes(Link.Realtime)) return {};
  const settings: TransportSettings = { ...transportDefaults, ...pipelinedFunctions[route.handler] };
  return {
    [TransportEnv.connections]: String(settings.connections),
    [TransportEnv.pipelining]: String(settings.pipelining),
    [TransportEnv.attemptTimeoutMs]: String(settings.attemptTimeoutMs),
  };
}
