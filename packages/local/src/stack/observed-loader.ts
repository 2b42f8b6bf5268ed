import type { HandlerLoader } from "../lambda/handler-loader";

/** Called when an invocation starts; the function it returns, if any, when it ends (with its wall time). */
export type InvocationObserver = (ref: string) => ((ms: number) => void) | undefined;

/**
 * The same loader, reporting every invocation to `observe`: what the cost test and the
 * benchmarks count (Lambda bills invocations and duration) without a second stack assembly.
 * Pass it as `startLocalStack({ wrapLoader })`.
 */
export function observeInvocations(loader: HandlerLoader, observe: InvocationObserver): HandlerLoader {
  return {
    load: (ref) => loader.load(ref),
    close: () => loader.close(),
    async invoke(ref, event) {
      const finished = observe(ref);
      const started = performance.now();
      try {
        return await loader.invoke(ref, event);
      } finally {
        finished?.(performance.now() - started);
      }
    },
  };
}
