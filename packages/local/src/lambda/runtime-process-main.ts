/**
 * The runtime process's side of `createRuntimeProcess`: the functions' pools of execution
 * environments, driven over IPC. It exits when told to, and when its parent goes away (the IPC
 * channel closes).
 */
import { createFunctionPools } from "./function-pool";
import type { HandlerLoader } from "./handler-loader";
import type { RuntimeReply, RuntimeRequest, SerializedError } from "./runtime-protocol";

const reply = (message: RuntimeReply) => process.send?.(message);

const serialize = (error: unknown): SerializedError =>
  error instanceof Error
    ? { name: error.name, message: error.message, stack: error.stack }
    : { name: typeof error, message: String(error) };

let loader: HandlerLoader | undefined;

process.on("message", (request: RuntimeRequest) => {
  switch (request.type) {
    case "init":
      loader = createFunctionPools({
        ...request.options,
        log: (line) => reply({ type: "log", line }),
        onReload: (files) => reply({ type: "reload", files }),
        onReport: (report) => reply({ type: "report", report }),
      });
      return;
    case "load":
    case "invoke": {
      const { id } = request;
      const work =
        request.type === "load"
          ? loader?.load(request.ref).then(() => undefined)
          : loader?.invoke(request.ref, request.event);
      if (!work)
        return reply({ type: "error", id, error: { name: "LambdaRuntimeError", message: "runtime not initialised" } });
      work.then(
        (result) => reply({ type: "result", id, result }),
        (error: unknown) => reply({ type: "error", id, error: serialize(error) }),
      );
      return;
    }
    case "close":
      void (loader?.close() ?? Promise.resolve()).finally(() => process.exit(0));
      return;
  }
});

process.on("disconnect", () => process.exit(0));
