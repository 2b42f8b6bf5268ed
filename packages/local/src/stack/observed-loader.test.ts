import { describe, expect, it } from "vitest";
import type { HandlerLoader } from "../lambda/handler-loader";
import { observeInvocations } from "./observed-loader";

/** A loader whose handlers echo their event, or throw when the event says so. */
const echoLoader: HandlerLoader = {
  load: async () => async (event: unknown) => event,
  async invoke(_ref, event) {
    if (event === "fail") throw new Error("handler failed");
    return event;
  },
  close: async () => undefined,
};

describe("observeInvocations", () => {
  it("reports each invocation's start and end, with its result unchanged", async () => {
    const seen: string[] = [];
    const loader = observeInvocations(echoLoader, (ref) => {
      seen.push(`start ${ref}`);
      return (ms) => seen.push(`end ${ref} ${ms >= 0}`);
    });

    const result = await loader.invoke("packages/functions/src/ws/connect.handler", { hello: 1 });

    expect(result).toEqual({ hello: 1 });
    expect(seen).toEqual([
      "start packages/functions/src/ws/connect.handler",
      "end packages/functions/src/ws/connect.handler true",
    ]);
  });

  it("reports the end of a failed invocation and passes its error on", async () => {
    const ended: string[] = [];
    const loader = observeInvocations(echoLoader, (ref) => () => ended.push(ref));

    const invocation = loader.invoke("a.handler", "fail");

    await expect(invocation).rejects.toThrow("handler failed");
    expect(ended).toEqual(["a.handler"]);
  });
});
