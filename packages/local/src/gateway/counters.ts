/**
 * What API Gateway would bill and meter, counted as it happens: messages in both directions in
 * 32 KB units (the WebSocket API's billing unit), connection time, and `@connections` calls by
 * method and status. Benchmarks turn these into a cost model; nothing here changes behaviour.
 */
const billingUnitBytes = 32 * 1024;

export interface GatewayCounts {
  /** `@connections` calls, keyed `"POST 200"`, `"DELETE 410"`… */
  readonly management: Readonly<Record<string, number>>;
  /** Messages the API sent to clients (PostToConnection deliveries) and their 32 KB units. */
  readonly messagesOut: number;
  readonly messageUnitsOut: number;
  /** Messages clients sent to the API and their 32 KB units. */
  readonly messagesIn: number;
  readonly messageUnitsIn: number;
  readonly connectionsOpened: number;
  /** Connection time of every connection (closed ones and, up to now, open ones). */
  readonly connectionMs: number;
  readonly openConnections: number;
}

export class GatewayCounters {
  private management = new Map<string, number>();
  private messagesOut = 0;
  private messageUnitsOut = 0;
  private messagesIn = 0;
  private messageUnitsIn = 0;
  private connectionsOpened = 0;
  private closedConnectionMs = 0;
  private since = Date.now();

  managementCall(method: string, status: number): void {
    const key = `${method} ${status}`;
    this.management.set(key, (this.management.get(key) ?? 0) + 1);
  }

  messageOut(bytes: number): void {
    this.messagesOut += 1;
    this.messageUnitsOut += Math.max(1, Math.ceil(bytes / billingUnitBytes));
  }

  messageIn(bytes: number): void {
    this.messagesIn += 1;
    this.messageUnitsIn += Math.max(1, Math.ceil(bytes / billingUnitBytes));
  }

  connectionOpened(): void {
    this.connectionsOpened += 1;
  }

  /** A connection closed: count its time within the counting window. */
  connectionClosed(connectedAt: number): void {
    this.closedConnectionMs += Date.now() - Math.max(connectedAt, this.since);
  }

  snapshot(openConnectedAts: readonly number[]): GatewayCounts {
    const now = Date.now();
    const openMs = openConnectedAts.reduce((sum, at) => sum + (now - Math.max(at, this.since)), 0);
    return {
      management: Object.fromEntries(this.management),
      messagesOut: this.messagesOut,
      messageUnitsOut: this.messageUnitsOut,
      messagesIn: this.messagesIn,
      messageUnitsIn: this.messageUnitsIn,
      connectionsOpened: this.connectionsOpened,
      connectionMs: this.closedConnectionMs + openMs,
      openConnections: openConnectedAts.length,
    };
  }

  /** Start a new counting window (open connections count from now on). */
  reset(): void {
    this.management.clear();
    this.messagesOut = this.messageUnitsOut = this.messagesIn = this.messageUnitsIn = 0;
    this.connectionsOpened = 0;
    this.closedConnectionMs = 0;
    this.since = Date.now();
  }
}
