import type { Context } from "aws-lambda";
import type { LegacyCompletion } from "./lambda-context";

type AnyHandler = (...args: unknown[]) => unknown;

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as PromiseLike<unknown> | undefined)?.then === "function";

/**
 * Calls a handler every way Lambda's Node.js runtime accepts one: an async function, a function
 * taking `(event, context, callback)`, or one settling through `context.succeed/fail/done`.
 * Whichever answers first wins; later answers are ignored, as Lambda ignores them.
 */
export function callHandler(
  handler: AnyHandler,
  event: unknown,
  createContext: (completion: LegacyCompletion) => Context,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const completion: LegacyCompletion = {
      succeed(result) {
        if (settled) return;
        settled = true;
        resolve(result);
      },
      fail(error) {
        if (settled) return;
        settled = true;
        reject(error);
      },
    };
    const context = createContext(completion);
    const callback = (error?: unknown, result?: unknown) =>
      error ? completion.fail(error) : completion.succeed(result);
    try {
      const returned = handler(event, context, callback);
      // A handler declaring the callback parameter may return nothing and answer through it.
      if (isThenable(returned) || handler.length < 3) {
        Promise.resolve(returned).then(completion.succeed, completion.fail);
      }
    } catch (error) {
      completion.fail(error);
    }
  });
}

/**
 * Lambda's log line for a failed invocation (`ERROR Invoke Error {...}`), so it reads locally as
 * it does in CloudWatch.
 */
export function formatInvokeError(requestId: string, error: unknown): string {
  const payload =
    error instanceof Error
      ? { errorType: error.name, errorMessage: error.message, stack: (error.stack ?? "").split("\n") }
      : { errorType: typeof error, errorMessage: String(error), stack: [] as string[] };
  return `${new Date().toISOString()}\t${requestId}\tERROR\tInvoke Error \t${JSON.stringify(payload)}`;
}
