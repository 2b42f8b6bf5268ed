/** The process of `runScript` (run-script.ts): the function to call and its arguments arrive over IPC. */
import { pathToFileURL } from "node:url";
import { resolveHandlerRef } from "../lambda/handler-ref";

export interface ScriptRequest {
  rootDir: string;
  ref: string;
  args: unknown[];
}

export interface ScriptReply {
  error?: string;
}

process.once("message", async (request: ScriptRequest) => {
  try {
    const { file, exportName } = resolveHandlerRef(request.rootDir, request.ref);
    const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    const fn = module[exportName];
    if (typeof fn !== "function") throw new Error(`${file} has no exported function "${exportName}"`);
    await fn(...request.args);
    process.exit(0);
  } catch (error) {
    process.send?.({ error: error instanceof Error ? error.message : String(error) } satisfies ScriptReply, () =>
      process.exit(1),
    );
  }
});
// The stack gone (Ctrl-C during the start): no orphan.
process.on("disconnect", () => process.exit(1));
