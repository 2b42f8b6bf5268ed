/**
 * Errors of the local Lambda runtime. Each sets `name` so callers (the gateway, the stream
 * poller) can tell a broken handler reference from a handler that failed at run time.
 */
export class LambdaRuntimeError extends Error {
  override name = "LambdaRuntimeError";
}

/** The handler reference does not point at a file, or the file has no such export. */
export class HandlerNotFoundError extends LambdaRuntimeError {
  override name = "HandlerNotFoundError";
}

/** esbuild could not bundle the handler (a syntax or resolve error in its sources). */
export class HandlerBuildError extends LambdaRuntimeError {
  override name = "HandlerBuildError";
}

/**
 * The invocation ran past the function's timeout. The message is Lambda's own wording, so
 * logs read the same locally and on AWS.
 */
export class HandlerTimeoutError extends LambdaRuntimeError {
  override name = "HandlerTimeoutError";
  constructor(timeoutMs: number) {
    super(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`);
  }
}

/**
 * Lambda's answer to an invocation past the function's reserved concurrency: every execution
 * environment it may have is busy. Name and message are Lambda's own, so callers tell it from a
 * function error as they would on AWS (an event source mapping retries it; API Gateway answers
 * with its generic 500).
 */
export class TooManyRequestsException extends LambdaRuntimeError {
  override name = "TooManyRequestsException";
  readonly reason = "ReservedFunctionConcurrentInvocationLimitExceeded";
  constructor() {
    super("Rate Exceeded.");
  }
}

/** The execution environment ended during an invocation (`process.exit`, a crash, out of memory). */
export class RuntimeExitError extends LambdaRuntimeError {
  override name = "Runtime.ExitError";
}
