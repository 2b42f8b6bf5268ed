/** `markRead` route (SPEC §4): stores the caller's read position and tells the order's subscribers. */
import { handleMarkRead } from "@live-orders/core/actions/mark-read";
import { frameHandler } from "./frame-handler";

export const handler = frameHandler("markRead", handleMarkRead);
