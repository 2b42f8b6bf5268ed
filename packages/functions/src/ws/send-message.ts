/** `sendMessage` route (SPEC §4): a chat message on an order; acked with its seq. */
import { handleSendMessage } from "@live-orders/core/actions/send-message";
import { frameHandler } from "./frame-handler";

export const handler = frameHandler("sendMessage", handleSendMessage);
