import type { WebSocket } from "ws";
import type { ConnectionTimers } from "./limits";

/** What API Gateway knows about one open WebSocket connection. */
export interface Connection {
  readonly id: string;
  readonly socket: WebSocket;
  /** Epoch ms of the upgrade request (`requestContext.connectedAt`). */
  readonly connectedAt: number;
  /** Epoch ms of the last message in either direction (`GetConnection`'s `LastActiveAt`). */
  lastActiveAt: number;
  readonly sourceIp: string;
  readonly userAgent: string;
  /** The Host the client connected to: `requestContext.domainName`. */
  readonly domainName: string;
  /** `requestContext.authorizer` of every event after `$connect`, when an authorizer allowed it. */
  readonly authorizer: Readonly<Record<string, unknown>> | undefined;
  readonly timers: ConnectionTimers;
  /** Why the gateway itself is closing the socket; a client-initiated close leaves it unset. */
  closedBy?: { readonly code: number; readonly reason: string };
  /** Messages received so far (their index, in order). */
  messagesReceived: number;
  /**
   * Set when a frame or message broke a limit: messages from this index on are dropped (the
   * connection is closing with 1009), earlier ones were complete and are delivered.
   */
  refusedFrom?: number;
}

/** The open connections of one WebSocket API, by connection id. */
export class ConnectionRegistry {
  private readonly byId = new Map<string, Connection>();

  add(connection: Connection): void {
    this.byId.set(connection.id, connection);
  }

  /** The connection if it is open; a closing or closed one is gone for `@connections`. */
  open(id: string): Connection | undefined {
    const connection = this.byId.get(id);
    return connection && connection.socket.readyState === connection.socket.OPEN ? connection : undefined;
  }

  delete(id: string): void {
    this.byId.delete(id);
  }

  all(): Connection[] {
    return [...this.byId.values()];
  }
}
