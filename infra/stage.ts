/**
 * The stage model: `production` is the only stage whose data outlives `sst remove`
 * (sst.config.ts sets `removal: "retain"` and `protect` for it); every other stage — a
 * developer's personal stage, a PR preview — is disposable and removed with everything in it.
 */
export const isProduction = $app.stage === "production";
