/**
 * The conformance suite's fixture stack on AWS: the APIs `localTarget()` (../target.ts) starts
 * locally, with the same fixture handlers, as an SST app of its own. From this directory:
 *
 *   npx tsx ../deployed-target.ts new-key                  # once: the key the suite signs JWTs with
 *   npx sst deploy --stage conformance                     # writes .sst/outputs.json
 *   npx tsx ../deployed-target.ts write > target.json      # the CONFORMANCE_TARGET file (README.md)
 *   npx sst remove --stage conformance                     # when done
 *
 * Type-checked by deploy/tsconfig.json against SST's platform types (no triple-slash reference
 * here: `sst install` writes them at the repository root, `sst deploy` here).
 *
 * Nothing here is the app's: the app's own claims are tested against a stage of the app
 * (`sst deploy` at the repository root), named in the target file's `app` section.
 */
export default $config({
  app() {
    return { name: "live-orders-conformance", removal: "remove", home: "aws" };
  },
  async run() {
    const { readFileSync } = await import("node:fs");
    const { publicJwkOf, signingKeyFile } = await import("../signing-key");
    const { corsOrigin, audience, scopedRouteScopes } = await import("../fixture-settings");

    // The fixtures post to connections of the API that invoked them (and only that): what
    // `execute-api:ManageConnections` on `@connections` of this account's APIs grants.
    const manageConnections = {
      actions: ["execute-api:ManageConnections"],
      resources: ["arn:aws:execute-api:*:*:*/*/POST/@connections/*"],
    };
    const ws = (name: string, extra: { concurrency?: { reserved: number } } = {}) => ({
      handler: `../fixtures/websocket-handlers.${name}`,
      permissions: [manageConnections],
      ...extra,
    });
    const http = (name: string) => ({ handler: `../fixtures/http-handlers.${name}` });

    // `main`: the ticket authorizer and every fixture route, plus `slow` (reserved concurrency 1).
    const main = new sst.aws.ApiGatewayWebSocket("Main");
    const authorizer = main.addAuthorizer("Ticket", {
      lambda: { function: ws("authorize"), identitySources: ["route.request.querystring.ticket"] },
    });
    main.route("$connect", ws("connect"), { auth: { lambda: authorizer.id } });
    main.route("$disconnect", ws("disconnect"));
    main.route("$default", ws("defaultRoute"));
    for (const route of ["echo", "whoami", "returns", "noop", "fail"]) main.route(route, ws(route));
    main.route("slow", {
      handler: "../fixtures/throttled-handlers.slowMessage",
      concurrency: { reserved: 1 },
    });

    // `bare`: no authorizer, no $connect, $disconnect or $default.
    const bare = new sst.aws.ApiGatewayWebSocket("Bare");
    for (const route of ["echo", "whoami", "noop"]) bare.route(route, ws(route));

    // The JWT issuer: discovery document and JWKS behind a function URL.
    const issuerFunction = new sst.aws.Function("Issuer", {
      handler: "../fixtures/issuer-handlers.handler",
      url: true,
      environment: { CONFORMANCE_PUBLIC_JWK: JSON.stringify(publicJwkOf(readFileSync(signingKeyFile, "utf8"))) },
    });
    // The function URL ends with "/".
    const issuer = $interpolate`${issuerFunction.url}issuer`;

    const api = new sst.aws.ApiGatewayV2("Http", {
      cors: {
        allowOrigins: [corsOrigin],
        allowMethods: ["GET", "POST"],
        allowHeaders: ["authorization", "content-type"],
        maxAge: "300 seconds",
      },
    });
    const jwt = api.addAuthorizer({ name: "Jwt", jwt: { issuer, audiences: [audience] } });
    const withJwt = { auth: { jwt: { authorizer: jwt.id } } };
    const routes: Record<string, string> = {
      "GET /items": "echo",
      "GET /items/{id}": "echo",
      "GET /items/special": "plainObject",
      "POST /items/{id}/notes": "echo",
      "GET /files/{path+}": "echo",
      "ANY /anything": "echo",
      "GET /string": "plainString",
      "GET /object": "plainObject",
      "GET /custom": "custom",
      "GET /binary": "binary",
      "GET /fail": "fail",
    };
    for (const [route, name] of Object.entries(routes)) api.route(route, http(name), withJwt);
    api.route("GET /scoped", http("echo"), {
      auth: { jwt: { authorizer: jwt.id, scopes: [...scopedRouteScopes] } },
    });
    // No authorizer: the throttling test sends no token.
    api.route("GET /slow", { handler: "../fixtures/throttled-handlers.slowHttp", concurrency: { reserved: 1 } });

    // The target file's fields (deployed-target.ts adds the private key and the app).
    return {
      main: { wsUrl: main.url, managementEndpoint: main.managementEndpoint },
      bare: { wsUrl: bare.url, managementEndpoint: bare.managementEndpoint },
      throttled: { wsUrl: main.url, httpUrl: api.url },
      httpUrl: api.url,
      corsOrigin,
      jwt: { issuer, audience },
    };
  },
});
