/** `sendMessage` `{orderId, text, clientMessageId}` → `ack` with the event's seq (SPEC §4). */
import * as Chat from "../chat";
import type { ConnectionsApi } from "../connections-api";
import { sendMessageFrame } from "../validation-frames";
import { type Act, type FrameContext, type FrameOutcome, handleFrame } from "./frame";
import { echoId } from "./reply";

export const sendMessage: Act<"sendMessage"> = async (frame, ctx) => {
  const result = await Chat.sendMessage(ctx.identity, {
    orderId: frame.orderId,
    text: frame.text,
    clientMessageId: frame.clientMessageId,
  });
  return [
    { type: "ack", ...echoId(frame), orderId: frame.orderId, clientMessageId: frame.clientMessageId, seq: result.seq },
  ];
};

export function handleSendMessage(ctx: FrameContext, connections: ConnectionsApi): Promise<FrameOutcome> {
  return handleFrame(sendMessageFrame, sendMessage, ctx, connections);
}
