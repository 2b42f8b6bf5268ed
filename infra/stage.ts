/**
 * The stage model: `production` is the only stage whose data outlives `sst remove`
 * (sst.config.ts sets `removal: "retain"` and `protect` for it); every other stage — a
 * developer's personal stage, a PR preview — is disposable and removed with everything in it.
 */
export const isProduction = $app.stage === "production";

/**
 * Resource options for production's data (the table, the user pool). `protect` in `app()` only
 * refuses `sst remove` and `sst dev`; a deploy whose change forces a replacement would still
 * delete the old resource. Pulumi's own `protect` on the resource refuses that delete (the
 * deploy fails before anything is lost), and `retainOnDelete` keeps the resource in AWS should
 * it ever leave the program. Other stages get neither.
 */
export function protectData(opts: $util.CustomResourceOptions): void {
  if (!isProduction) return;
  opts.protect = true;
  opts.retainOnDelete = true;
}
