import { randomBytes, randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";

/** Settings of a function as Lambda would hold them. Defaults are SST's (20 s, 1024 MB). */
export interface FunctionSettings {
  readonly functionName: string;
  readonly timeoutMs: number;
  readonly memoryLimitInMB: number;
  readonly region: string;
  readonly accountId: string;
}

/**
 * What `context.done/succeed/fail` report back: the pre-async Lambda API that some handlers
 * (and libraries) still call. They settle the invocation like a returned value or a throw.
 */
export interface LegacyCompletion {
  succeed(result: unknown): void;
  fail(error: unknown): void;
}

const logStreamDate = (now: Date): string =>
  `${now.getUTCFullYear()}/${String(now.getUTCMonth() + 1).padStart(2, "0")}/${String(now.getUTCDate()).padStart(2, "0")}`;

/**
 * One invocation's `Context`, with the fields Lambda sets. `getRemainingTimeInMillis` counts down
 * from the function's timeout, because handlers use it to stop work before Lambda kills them.
 */
export function createLambdaContext(
  settings: FunctionSettings,
  completion: LegacyCompletion,
  now: Date = new Date(),
  requestId: string = randomUUID(),
): Context {
  const deadline = now.getTime() + settings.timeoutMs;
  const { functionName } = settings;
  return {
    awsRequestId: requestId,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${settings.region}:${settings.accountId}:function:${functionName}`,
    // Lambda passes the memory size as a string; @types/aws-lambda types it so.
    memoryLimitInMB: String(settings.memoryLimitInMB),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${logStreamDate(now)}/[$LATEST]${randomBytes(16).toString("hex")}`,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: (error?: Error, result?: unknown) => (error ? completion.fail(error) : completion.succeed(result)),
    fail: (error: Error | string) => completion.fail(error),
    succeed: (result: unknown) => completion.succeed(result),
  };
}
