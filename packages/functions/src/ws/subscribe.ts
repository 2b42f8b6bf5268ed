/** `subscribe` route (SPEC §4). */
import { frameHandler } from "./frame-handler";

export const handler = frameHandler("subscribe");
