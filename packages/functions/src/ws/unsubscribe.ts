/** `unsubscribe` route (SPEC §4). */
import { handleUnsubscribe } from "@live-orders/core/actions/unsubscribe";
import { frameHandler } from "./frame-handler";

export const handler = frameHandler("unsubscribe", handleUnsubscribe);
