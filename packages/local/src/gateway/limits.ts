/**
 * API Gateway WebSocket limits and how they are enforced on a `ws` socket.
 */
export const webSocketLimits = {
  /** Largest message a client may send, and the largest `PostToConnection` payload. */
  maxMessageBytes: 128 * 1024,
  /** Largest single frame; a bigger message must be fragmented into frames of at most this. */
  maxFrameBytes: 32 * 1024,
  /**
   * The most the gateway holds for a client that does not read (bytes written to the socket but
   * not yet taken by the kernel), past what the kernel's own socket buffer holds: eight
   * largest messages. A client that falls this far behind is closed like any connection the
   * gateway ends itself (1001 Going away; API Gateway documents no code of its own for a
   * reader that stops reading), so one stuck tab cannot grow the gateway's memory without
   * bound; `@connections` answers 410 for it from then on. A browser that reads keeps this
   * near zero: the fan-out's bursts are one small frame per event.
   */
  maxBufferedBytes: 8 * 128 * 1024,
} as const;

/** How long the gateway waits on an HTTP connection, on both ports (the WebSocket API's and the HTTP API's). */
export const connectionTimeouts = {
  /** A request's head must have arrived within this long of its first byte. */
  headersTimeoutMs: 20_000,
  /** A connection with no request in progress is closed after this long (API Gateway keeps them far longer than node's 5 s). */
  keepAliveTimeoutMs: 60_000,
} as const;

/** Close codes and reasons API Gateway uses (RFC 6455 §7.4.1). */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  messageTooBig: 1009,
} as const;

export const closeReasons: Record<number, string> = {
  1000: "Connection Closed Normally",
  1001: "Going away",
  1005: "No status code",
  1006: "Connection was closed abnormally",
  1009: "Message too big",
};

/**
 * Watches a client's raw bytes for data frames over the 32 KB frame limit.
 *
 * `ws`'s `maxPayload` only bounds a whole (reassembled) message, which is right for the 128 KB
 * message limit but cannot see frames. A browser or `ws` client sends a message as ONE frame,
 * so on AWS any message over 32 KB closes the connection with 1009 unless the client fragments
 * it — the local gateway must refuse the same frames. This parser reads only frame headers
 * (RFC 6455 §5.2) and skips payloads, so it costs a few comparisons per frame.
 */
export class FrameSizeGuard {
  private header: Buffer = Buffer.alloc(0);
  private payloadToSkip = 0;
  /** Data messages whose last frame has started: the index `ws` will give the next message. */
  private messagesSeen = 0;

  /**
   * @param onOversizeFrame gets how many messages precede the offending one: those were
   *   complete and go through; the offending message and anything after it do not.
   * @param onFrame every frame's opcode (activity for the idle timeout).
   */
  constructor(
    private readonly maxFrameBytes: number,
    private readonly onOversizeFrame: (messagesBefore: number) => void,
    private readonly onFrame: (opcode: number) => void = () => undefined,
  ) {}

  /** Feed every chunk read from the socket, in order. */
  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.payloadToSkip > 0) {
        const skipped = Math.min(this.payloadToSkip, chunk.length - offset);
        this.payloadToSkip -= skipped;
        offset += skipped;
        continue;
      }
      // Collect the header; it may be split across chunks (2 to 14 bytes).
      const needed = this.headerLength();
      const take = Math.min(needed - this.header.length, chunk.length - offset);
      this.header = Buffer.concat([this.header, chunk.subarray(offset, offset + take)]);
      offset += take;
      if (this.header.length < this.headerLength()) continue;
      this.completeHeader();
    }
  }

  /** Header length known so far: 2 bytes, plus the extended length and the mask key. */
  private headerLength(): number {
    if (this.header.length < 2) return 2;
    const byte1 = this.header[1] ?? 0;
    const length7 = byte1 & 0x7f;
    const extended = length7 === 126 ? 2 : length7 === 127 ? 8 : 0;
    const mask = byte1 & 0x80 ? 4 : 0;
    return 2 + extended + mask;
  }

  private completeHeader(): void {
    const fin = ((this.header[0] ?? 0) & 0x80) !== 0;
    const opcode = (this.header[0] ?? 0) & 0x0f;
    const length7 = (this.header[1] ?? 0) & 0x7f;
    const payloadLength =
      length7 === 126
        ? this.header.readUInt16BE(2)
        : length7 === 127
          ? Number(this.header.readBigUInt64BE(2))
          : length7;
    this.header = Buffer.alloc(0);
    this.payloadToSkip = payloadLength;
    this.onFrame(opcode);
    // Opcodes 0 (continuation), 1 (text), 2 (binary) carry data; control frames are ≤ 125 bytes.
    if (opcode > 2) return;
    if (payloadLength > this.maxFrameBytes) this.onOversizeFrame(this.messagesSeen);
    if (fin) this.messagesSeen++;
  }
}

/**
 * The idle timeout and the maximum connection duration of one connection. API Gateway closes
 * with 1001 "Going away" in both cases.
 */
export class ConnectionTimers {
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly maxTimer: NodeJS.Timeout;

  constructor(
    private readonly idleTimeoutMs: number,
    maxConnectionMs: number,
    private readonly onExpired: (cause: "idle" | "maxDuration") => void,
  ) {
    this.maxTimer = setTimeout(() => onExpired("maxDuration"), maxConnectionMs);
    this.touch();
  }

  /** Client activity: restarts the idle countdown. */
  touch(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.onExpired("idle"), this.idleTimeoutMs);
  }

  clear(): void {
    clearTimeout(this.idleTimer);
    clearTimeout(this.maxTimer);
  }
}
