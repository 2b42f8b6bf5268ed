/** `sendMessage` route (SPEC §4): a chat message on an order; acked with its seq. */
import { frameHandler } from "./frame-handler";

export const handler = frameHandler("sendMessage");
