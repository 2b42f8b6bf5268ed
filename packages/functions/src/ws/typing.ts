/** `typing` route (SPEC §4): tells the order's other subscribers someone is typing; nothing stored. */
import { handleTyping } from "@live-orders/core/actions/typing";
import { frameHandler } from "./frame-handler";

export const handler = frameHandler("typing", handleTyping);
