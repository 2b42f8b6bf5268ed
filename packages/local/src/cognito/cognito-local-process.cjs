// cognito-local as a child process of the local stack (see cognito-local.ts, which starts it).
// It runs in its own process so that stopping the stack is a signal, not an unload of an
// Express app and its timers. cwd is the data dir: cognito-local keeps `.cognito/config.json`
// and `.cognito/db/*.json` relative to it. PORT and HOST come from the environment.
//
// Before the server starts, two targets cognito-local 5.3 lacks are added to its target table
// (the router looks targets up there at request time). Amplify 6 calls both:
//   - GetTokensFromRefreshToken: the refresh flow; same result as InitiateAuth REFRESH_TOKEN_AUTH.
//   - GlobalSignOut: sign-out "everywhere"; nothing to revoke server-side locally, so a no-op.
// Two behaviours are brought in line with Cognito's:
//   - ConfirmSignUp marks the e-mail verified, as a pool with AutoVerifiedAttributes [email] does
//     (the code went to that address); cognito-local leaves it false, and the Authenticator then
//     asks to verify the address a second time.
//   - Every code Cognito would send (sign-up, resend, password reset) is also written as one
//     line `live-orders:code {json}` on stdout, which the local stack prints in its terminal.
"use strict";
const { Targets } = require("cognito-local/lib/targets/targets");
const { MessagesService } = require("cognito-local/lib/services/messages");
const { attributesAppend, attribute } = require("cognito-local/lib/services/userPoolService");
const { createDefaultServer } = require("cognito-local/lib/server");
const { dirname } = require("node:path");
// pino is cognito-local's own dependency: resolve it from there rather than rely on hoisting.
const pino = require(require.resolve("pino", { paths: [dirname(require.resolve("cognito-local/package.json"))] }));

Targets.GetTokensFromRefreshToken = (services) => {
  const initiateAuth = Targets.InitiateAuth(services);
  return async (ctx, req) => {
    const result = await initiateAuth(ctx, {
      AuthFlow: "REFRESH_TOKEN_AUTH",
      ClientId: req.ClientId,
      AuthParameters: { REFRESH_TOKEN: req.RefreshToken },
      ClientMetadata: req.ClientMetadata,
    });
    const auth = result.AuthenticationResult ?? {};
    return {
      AuthenticationResult: {
        AccessToken: auth.AccessToken,
        IdToken: auth.IdToken,
        TokenType: "Bearer",
        ExpiresIn: expiresIn(auth.AccessToken),
      },
    };
  };
};
Targets.GlobalSignOut = () => async () => ({});

const confirmSignUp = Targets.ConfirmSignUp;
Targets.ConfirmSignUp = (services) => {
  const confirm = confirmSignUp(services);
  return async (ctx, req) => {
    const result = await confirm(ctx, req);
    const userPool = await services.cognito.getUserPoolForClientId(ctx, req.ClientId);
    const user = await userPool.getUserByUsername(ctx, req.Username);
    if (user) {
      await userPool.saveUser(ctx, {
        ...user,
        Attributes: attributesAppend(user.Attributes, attribute("email_verified", "true")),
      });
    }
    return result;
  };
};

/** The marker the local stack looks for (packages/local/src/cognito/cognito-local.ts). */
const codeLinePrefix = "live-orders:code ";
const deliver = MessagesService.prototype.deliver;
MessagesService.prototype.deliver = async function (ctx, source, clientId, userPoolId, user, code, ...rest) {
  const email = (user.Attributes ?? []).find((each) => each.Name === "email")?.Value ?? user.Username;
  process.stdout.write(`${codeLinePrefix}${JSON.stringify({ source, email, code })}\n`);
  return deliver.call(this, ctx, source, clientId, userPoolId, user, code, ...rest);
};

/** Seconds until the token's exp (Cognito returns it; cognito-local's refresh flow leaves it out). */
function expiresIn(jwt) {
  try {
    const payload = JSON.parse(Buffer.from(String(jwt).split(".")[1], "base64url").toString("utf8"));
    return Math.max(0, payload.exp - Math.floor(Date.now() / 1000));
  } catch {
    return undefined;
  }
}

const logger = pino({
  level: process.env.DEBUG ? "debug" : "info",
  base: undefined,
  timestamp: pino.stdTimeFunctions.isoTime,
});

createDefaultServer(logger)
  .then((server) => server.start())
  .then((server) => {
    const address = server.address();
    logger.info(`cognito-local listening on http://${address.address}:${address.port}`);
    const stop = () => {
      server.close(() => process.exit(0));
      // Keep-alive sockets of SDK clients would otherwise hold close() open.
      server.closeAllConnections();
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
    // The local stack died without stopping us (its IPC channel closed): don't linger.
    process.once("disconnect", stop);
  })
  .catch((error) => {
    // EADDRINUSE etc.: one line the parent scans for, then exit non-zero.
    logger.error({ code: error?.code }, `cognito-local failed: ${error?.message}`);
    process.exit(1);
  });
