import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { binaryBytes } from "./fixtures/http-handlers";
import { type ConformanceTarget, startConformanceTarget } from "./target";

let target: ConformanceTarget;
beforeAll(async () => {
  target = await startConformanceTarget();
});
afterAll(() => target?.close());

/** A request with `Authorization: Bearer <token>`; `token` null sends none. */
const get = (path: string, token: string | null = target.tokens.access, init: RequestInit = {}) =>
  fetch(`${target.httpUrl}${path}`, {
    ...init,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers as Record<string, string>) },
  });

/** The event the `echo` fixture received. */
async function echoed(response: Response): Promise<Record<string, any>> {
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, any>;
}

describe("payload format 2.0 event", () => {
  it("carries route key, raw path, decoded path parameters, merged query and cookies", async () => {
    const response = await get("/items/a%20b?x=1&x=2&y=z", target.tokens.access, {
      headers: { cookie: "c1=v1; c2=v2", "X-Custom-Header": "Mixed" },
    });

    const event = await echoed(response);

    expect(event).toMatchObject({
      version: "2.0",
      routeKey: "GET /items/{id}",
      rawPath: "/items/a%20b",
      rawQueryString: "x=1&x=2&y=z",
      pathParameters: { id: "a b" },
      queryStringParameters: { x: "1,2", y: "z" },
      cookies: ["c1=v1", "c2=v2"],
      isBase64Encoded: false,
    });
    expect(event.headers["x-custom-header"]).toBe("Mixed");
    expect(event.headers).not.toHaveProperty("cookie");
    expect(Object.keys(event.headers).every((name) => name === name.toLowerCase())).toBe(true);
    expect(event.requestContext).toMatchObject({
      routeKey: "GET /items/{id}",
      stage: "$default",
      http: { method: "GET", path: "/items/a%20b", sourceIp: expect.any(String) },
      requestId: expect.any(String),
      timeEpoch: expect.any(Number),
    });
    expect(response.headers.get("apigw-requestid")).toBe(event.requestContext.requestId);
  });

  it("keeps parameter names like __proto__ and constructor as plain names", async () => {
    const event = await echoed(await get("/items?constructor=a&__proto__=b&__proto__=c"));

    expect(Object.entries(event.queryStringParameters)).toEqual([
      ["constructor", "a"],
      ["__proto__", "b,c"],
    ]);
  });

  it("omits pathParameters, queryStringParameters, cookies and body when there are none", async () => {
    const event = await echoed(await get("/items"));

    expect(event.routeKey).toBe("GET /items");
    for (const field of ["pathParameters", "queryStringParameters", "cookies", "body"]) {
      expect(event).not.toHaveProperty(field);
    }
  });

  it("prefers a literal route over a parameter, and matches greedy {path+}", async () => {
    const literal = await get("/items/special");
    const greedy = await echoed(await get("/files/a/b/c.txt"));

    expect(await literal.json()).toEqual({ hello: "world", count: 2 });
    expect(greedy).toMatchObject({ routeKey: "GET /files/{path+}", pathParameters: { path: "a/b/c.txt" } });
  });

  it("passes a text body as is and a binary body base64-encoded", async () => {
    const json = await echoed(
      await get("/items/1/notes", target.tokens.access, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"note":"hi"}',
      }),
    );
    const binary = await echoed(
      await get("/items/1/notes", target.tokens.access, {
        method: "POST",
        headers: { "content-type": "application/octet-stream" },
        body: new Uint8Array([0, 255, 1]),
      }),
    );

    expect(json).toMatchObject({ routeKey: "POST /items/{id}/notes", body: '{"note":"hi"}', isBase64Encoded: false });
    expect(binary).toMatchObject({ body: Buffer.from([0, 255, 1]).toString("base64"), isBase64Encoded: true });
  });

  it("routes any method to an ANY route", async () => {
    const event = await echoed(await get("/anything", target.tokens.access, { method: "DELETE" }));

    expect(event).toMatchObject({ routeKey: "ANY /anything", requestContext: { http: { method: "DELETE" } } });
  });

  it('answers a request no route matches with 404 {"message":"Not Found"}', async () => {
    const unknownPath = await get("/nowhere");
    const wrongMethod = await get("/string", target.tokens.access, { method: "POST" });

    for (const response of [unknownPath, wrongMethod]) {
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ message: "Not Found" });
    }
  });
});

describe("payload format 2.0 responses", () => {
  it("answers a bare string with 200 application/json and the string as body", async () => {
    const response = await get("/string");

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.text()).toBe("plain string");
  });

  it("serializes an object without statusCode as a 200 JSON body", async () => {
    const response = await get("/object");

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ hello: "world", count: 2 });
  });

  it("honours statusCode, headers, cookies and body", async () => {
    const response = await get("/custom");

    expect(response.status).toBe(201);
    expect(response.headers.get("x-custom")).toBe("yes");
    expect(response.headers.get("content-type")).toBe("text/plain");
    expect(response.headers.getSetCookie()).toEqual(["session=abc; Path=/; HttpOnly", "theme=dark"]);
    expect(await response.text()).toBe("created");
  });

  it("decodes an isBase64Encoded body", async () => {
    const response = await get("/binary");

    expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array(binaryBytes));
  });

  it('answers a thrown handler with 500 {"message":"Internal Server Error"}', async () => {
    const response = await get("/fail");

    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: "Internal Server Error" });
  });
});

describe("JWT authorizer", () => {
  it("passes claims as strings, arrays as [a b], and scopes", async () => {
    const { accessClaims } = target.tokens;

    const event = await echoed(await get("/items"));

    expect(event.requestContext.authorizer.jwt).toEqual({
      claims: {
        ...Object.fromEntries(Object.entries(accessClaims).map(([name, value]) => [name, String(value)])),
        "cognito:groups": "[staff admins]",
      },
      scopes: ["orders/read", "orders/write"],
    });
  });

  it("accepts an id token by aud (no scopes) and a token without the Bearer prefix", async () => {
    const idToken = await echoed(await get("/items", target.tokens.id));
    const raw = await fetch(`${target.httpUrl}/items`, { headers: { authorization: target.tokens.access } });

    expect(idToken.requestContext.authorizer.jwt.claims).toMatchObject({ token_use: "id", email_verified: "true" });
    expect(idToken.requestContext.authorizer.jwt.scopes).toBeNull();
    expect(raw.status).toBe(200);
  });

  it.each([
    ["no Authorization header", undefined],
    ["an expired token", "expired"],
    ["a token not yet valid", "notYetValid"],
    ["another issuer", "wrongIssuer"],
    ["another client (no aud)", "wrongAudience"],
    ["another aud, even with a matching client_id", "wrongAudWithClientId"],
    ["a token issued in the future", "issuedInFuture"],
    ["a bad signature", "badSignature"],
    ["garbage", "garbage"],
  ] as const)('answers %s with 401 {"message":"Unauthorized"}', async (_case, tokenName) => {
    const tokens = target.tokens as unknown as Record<string, string>;
    const token = tokenName === undefined ? null : (tokens[tokenName] ?? "not.a.jwt");

    const response = await get("/items", token);

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ message: "Unauthorized" });
  });

  it("says why in www-authenticate, as API Gateway does", async () => {
    const response = await get("/items", target.tokens.wrongAudience);

    expect(response.headers.get("www-authenticate")).toBe(
      'Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience"',
    );
  });

  it("lets a route that requires scopes through with a token carrying one of them", async () => {
    const event = await echoed(await get("/scoped"));

    expect(event.requestContext.authorizer.jwt.scopes).toEqual(["orders/read", "orders/write"]);
  });

  it.each([
    ["an id token (no scope at all)", "id"],
    ["an access token with other scopes", "otherScope"],
  ] as const)('answers %s on a route that requires scopes with 403 {"message":"Forbidden"}', async (_case, name) => {
    const response = await get("/scoped", target.tokens[name]);

    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ message: "Forbidden" });
    expect(response.headers.get("www-authenticate")).toMatch(
      /^Bearer scope="orders\/write orders\/admin" error="insufficient_scope"/,
    );
  });

  it("still answers a bad token on a route that requires scopes with 401", async () => {
    expect((await get("/scoped", target.tokens.expired)).status).toBe(401);
  });

  it("matches the route before authorizing: an unknown route is 404 even without a token", async () => {
    const response = await get("/nowhere", null);

    expect(response.status).toBe(404);
  });
});

describe("CORS", () => {
  it("answers a preflight itself, without a token", async () => {
    const response = await fetch(`${target.httpUrl}/items`, {
      method: "OPTIONS",
      headers: {
        origin: target.corsOrigin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type",
      },
    });

    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(target.corsOrigin);
    expect(response.headers.get("access-control-allow-methods")?.split(",")).toEqual(
      expect.arrayContaining(["GET", "POST"]),
    );
    expect(response.headers.get("access-control-allow-headers")?.split(",")).toEqual(
      expect.arrayContaining(["authorization", "content-type"]),
    );
    expect(response.headers.get("access-control-max-age")).toBe("300");
  });

  it("gives a preflight from another origin no CORS headers", async () => {
    const response = await fetch(`${target.httpUrl}/items`, {
      method: "OPTIONS",
      headers: { origin: "http://evil.example", "access-control-request-method": "GET" },
    });

    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("adds access-control-allow-origin to responses, errors included", async () => {
    const ok = await get("/items", target.tokens.access, { headers: { origin: target.corsOrigin } });
    const unauthorized = await get("/items", null, { headers: { origin: target.corsOrigin } });

    expect(ok.headers.get("access-control-allow-origin")).toBe(target.corsOrigin);
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get("access-control-allow-origin")).toBe(target.corsOrigin);
  });
});
