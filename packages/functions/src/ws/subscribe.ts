/** `subscribe` route (SPEC §4). */
import { handleSubscribe } from "@live-orders/core/actions/subscribe";
import { frameHandler } from "./frame-handler";

export const handler = frameHandler("subscribe", handleSubscribe);
