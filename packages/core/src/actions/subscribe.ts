/** `subscribe` `{topic, since?}` → `subscribed` with the topic's seq, then the events after `since` (SPEC §4). */
import type { ConnectionsApi } from "../connections-api";
import type { ServerFrame } from "../protocol";
import * as Subscription from "../subscription";
import { subscribeFrame } from "../validation-frames";
import { type Act, type FrameContext, type FrameOutcome, handleFrame } from "./frame";
import { echoId } from "./reply";

export const subscribe: Act<"subscribe"> = async (frame, ctx) => {
  const result = await Subscription.subscribe(ctx, {
    topic: frame.topic,
    ...(frame.since === undefined ? {} : { since: frame.since }),
  });
  return [
    { type: "subscribed", ...echoId(frame), topic: result.topic, seq: result.seq, ...result.presence },
    ...result.events.map((event): ServerFrame => ({ type: "event", topic: result.topic, seq: event.seq, event })),
  ];
};

export function handleSubscribe(ctx: FrameContext, connections: ConnectionsApi): Promise<FrameOutcome> {
  return handleFrame(subscribeFrame, subscribe, ctx, connections);
}
