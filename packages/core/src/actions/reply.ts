/**
 * Replies to a WebSocket frame, shared by every action: the frames an action answers with, and
 * the one error reply `{type:"error", code, message, id}` for a frame that was refused.
 */
import type { Identity } from "../authz";
import { type ConnectionsApi, reply } from "../connections-api";
import { type AppError, asAppError, toErrorFrame } from "../errors";
import type { ClientAction } from "../protocol";

export interface FrameContext {
  connectionId: string;
  connectedAt: number;
  /** From the authorizer context; undefined only if API Gateway passed none (refused). */
  identity: Identity | undefined;
  body: string | undefined | null;
}

export interface FrameOutcome {
  action: ClientAction | "$default";
  /** The error replied with, when the frame was refused. `code` INTERNAL means a bug or an outage. */
  error?: AppError;
  /** True when the reply could not be delivered because the connection had gone. */
  gone?: boolean;
}

/** The reply echoes the frame's `id` when it had one (and has no `id` key otherwise). */
export const echoId = (frame: { id?: string }) => (frame.id === undefined ? {} : { id: frame.id });

export async function replyWithError(
  connections: ConnectionsApi,
  action: FrameOutcome["action"],
  connectionId: string,
  error: unknown,
  frameId: string | undefined,
): Promise<FrameOutcome> {
  const appError = asAppError(error);
  const delivered = await reply(connections, connectionId, [toErrorFrame(appError, frameId)]);
  return { action, error: appError, ...(delivered ? {} : { gone: true }) };
}
