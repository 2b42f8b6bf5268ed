/**
 * HTTP API route matching: `METHOD /path/{param}/{greedy+}`, `ANY /path` and `$default`, picking
 * the most specific match as API Gateway does (literal segments beat parameters, parameters beat
 * a greedy variable, a method beats ANY, `$default` comes last).
 */
export interface RouteMatch {
  readonly routeKey: string;
  readonly handler: string;
  readonly pathParameters: Record<string, string> | undefined;
}

type Segment =
  | { readonly kind: "literal"; readonly value: string }
  | { readonly kind: "param"; readonly name: string }
  | { readonly kind: "greedy"; readonly name: string };

interface CompiledRoute {
  readonly routeKey: string;
  readonly handler: string;
  readonly method: string;
  readonly segments: readonly Segment[];
}

const splitPath = (path: string) => path.split("/").filter((segment) => segment.length > 0);

function compile(routeKey: string, handler: string): CompiledRoute {
  if (routeKey === "$default") return { routeKey, handler, method: "ANY", segments: [{ kind: "greedy", name: "" }] };
  const [method, path] = routeKey.split(" ");
  if (!method || !path?.startsWith("/")) throw new Error(`Invalid HTTP route key "${routeKey}"`);
  const segments = splitPath(path).map((segment): Segment => {
    const variable = /^\{([^{}]+?)(\+)?\}$/.exec(segment);
    if (!variable) return { kind: "literal", value: segment };
    return variable[2]
      ? { kind: "greedy", name: variable[1] as string }
      : { kind: "param", name: variable[1] as string };
  });
  return { routeKey, handler, method: method.toUpperCase(), segments };
}

const rank = { literal: 0, param: 1, greedy: 2 } as const;

/** Negative when `a` is more specific than `b`. */
function bySpecificity(a: CompiledRoute, b: CompiledRoute): number {
  if (a.routeKey === "$default" || b.routeKey === "$default") {
    return Number(a.routeKey === "$default") - Number(b.routeKey === "$default");
  }
  for (let i = 0; i < Math.max(a.segments.length, b.segments.length); i++) {
    const sa = a.segments[i];
    const sb = b.segments[i];
    if (!sa || !sb) return sa ? -1 : 1;
    if (rank[sa.kind] !== rank[sb.kind]) return rank[sa.kind] - rank[sb.kind];
  }
  return Number(a.method === "ANY") - Number(b.method === "ANY");
}

const decode = (value: string) => {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
};

function matchSegments(route: CompiledRoute, parts: readonly string[]): Record<string, string> | undefined {
  const parameters: Record<string, string> = {};
  for (let i = 0; i < route.segments.length; i++) {
    const segment = route.segments[i] as Segment;
    if (segment.kind === "greedy") {
      const rest = parts.slice(i);
      // `{proxy+}` needs at least one segment; `$default` matches everything.
      if (rest.length === 0 && route.routeKey !== "$default") return undefined;
      if (segment.name) parameters[segment.name] = decode(rest.join("/"));
      return parameters;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (segment.kind === "literal" && segment.value !== part) return undefined;
    if (segment.kind === "param") parameters[segment.name] = decode(part);
  }
  return parts.length === route.segments.length ? parameters : undefined;
}

export class HttpRouter {
  private readonly routes: readonly CompiledRoute[];

  constructor(routes: Record<string, { handler: string }>) {
    this.routes = Object.entries(routes)
      .map(([routeKey, { handler }]) => compile(routeKey, handler))
      .sort(bySpecificity);
  }

  match(method: string, path: string): RouteMatch | undefined {
    const parts = splitPath(path);
    for (const route of this.routes) {
      if (route.method !== "ANY" && route.method !== method.toUpperCase()) continue;
      const parameters = matchSegments(route, parts);
      if (!parameters) continue;
      return {
        routeKey: route.routeKey,
        handler: route.handler,
        pathParameters: Object.keys(parameters).length ? parameters : undefined,
      };
    }
    return undefined;
  }
}
