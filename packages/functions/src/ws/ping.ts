/** `ping` route (SPEC §4). */
import { handlePing } from "@live-orders/core/actions/ping";
import { frameHandler } from "./frame-handler";

export const handler = frameHandler("ping", handlePing);
