/**
 * Chat sends that survive a lossy connection: each message keeps one `clientMessageId` for all
 * its attempts, so the server stores it once however often it arrives (SPEC §4). A message is
 * sent again when no `ack` came in time, when the server refused it for now (RATE_LIMITED,
 * INTERNAL; after RetryPolicy.refusedRequest's delay), and when it went out on a connection
 * that died before the ack.
 */
import type { ClientFrame } from "@live-orders/core/protocol";
import { backoffDelay, RetryPolicy } from "@live-orders/core/retry";
import { ClientClosedError, isRefusedForNow, RequestTimeoutError, type ServerError } from "./errors";
import type { Requests } from "./requests";
import type { ReconnectingTransport } from "./transport";

export interface SendResult {
  seq: number;
  clientMessageId: string;
}

export interface ChatSenderOptions {
  transport: Pick<ReconnectingTransport, "send" | "generation">;
  requests: Requests;
  /** No `ack` within this time: the same message (same clientMessageId) again. */
  ackTimeoutMs: number;
  /** Failed attempts (ack timeouts, refusals for now) before a send gives up. */
  maxSendAttempts: number;
  /** Source of the retry jitter, [0, 1). */
  random?: () => number;
}

interface PendingSend {
  orderId: string;
  text: string;
  clientMessageId: string;
  /** Ack timeouts and refusals for now so far. */
  failedAttempts: number;
  /** Transport generation the frame went out on; -1 while it sits in the transport's queue. */
  sentGeneration: number;
  /** The ack timeout, or the wait before a retry after a refusal. */
  timer?: ReturnType<typeof setTimeout>;
  resolve: (result: SendResult) => void;
  reject: (error: Error) => void;
}

export class ChatSender {
  #options: ChatSenderOptions;
  #pending = new Map<string, PendingSend>();
  #closed = false;

  constructor(options: ChatSenderOptions) {
    this.#options = options;
  }

  /** Resolves with the message's seq once the server acknowledged it. */
  send(orderId: string, text: string, clientMessageId: string): Promise<SendResult> {
    if (this.#closed) return Promise.reject(new ClientClosedError());
    return new Promise<SendResult>((resolve, reject) => {
      const pending: PendingSend = {
        orderId,
        text,
        clientMessageId,
        failedAttempts: 0,
        sentGeneration: -1,
        resolve,
        reject,
      };
      this.#pending.set(clientMessageId, pending);
      this.#transmitOrReject(pending);
    });
  }

  /** A connection opened (generation `generation`): what died with an earlier one goes again. */
  connected(generation: number): void {
    for (const pending of this.#pending.values()) {
      if (pending.sentGeneration === -1) {
        // Still in the transport queue, which is flushed right after the open listeners.
        pending.sentGeneration = generation;
        this.#armAckTimer(pending);
      } else if (pending.sentGeneration < generation) {
        this.#transmit(pending);
      }
    }
  }

  /** The connection closed: no ack will come on it; the next open sends again. */
  disconnected(): void {
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.timer = undefined;
    }
  }

  acknowledged(clientMessageId: string, seq: number): void {
    const pending = this.#pending.get(clientMessageId);
    if (!pending) return; // the ack of a retry that was already acknowledged
    this.#settle(pending);
    pending.resolve({ seq, clientMessageId });
  }

  /** The server refused a send; false when that message is no longer waiting. */
  refused(clientMessageId: string, error: ServerError): boolean {
    const pending = this.#pending.get(clientMessageId);
    if (!pending) return false;
    clearTimeout(pending.timer);
    pending.failedAttempts += 1;
    if (isRefusedForNow(error) && pending.failedAttempts < this.#options.maxSendAttempts) {
      // Same clientMessageId: if the first attempt was stored after all, the server dedups.
      const delay = backoffDelay(pending.failedAttempts, RetryPolicy.refusedRequest, this.#options.random);
      pending.timer = setTimeout(() => this.#retransmit(pending), delay);
      return true;
    }
    this.#settle(pending);
    pending.reject(error);
    return true;
  }

  /** Every waiting send fails with ClientClosedError; later sends too. */
  close(): void {
    this.#closed = true;
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new ClientClosedError());
    }
    this.#pending.clear();
  }

  #transmit(pending: PendingSend): void {
    const { transport, requests } = this.#options;
    const id = requests.open({ kind: "send", clientMessageId: pending.clientMessageId });
    const frame: ClientFrame = {
      action: "sendMessage",
      id,
      orderId: pending.orderId,
      text: pending.text,
      clientMessageId: pending.clientMessageId,
    };
    let outcome: "sent" | "queued";
    try {
      outcome = transport.send(JSON.stringify(frame));
    } catch (error) {
      requests.take(id);
      throw error;
    }
    if (outcome === "sent") {
      pending.sentGeneration = transport.generation;
      this.#armAckTimer(pending);
    } else {
      pending.sentGeneration = -1;
    }
  }

  /** Transmits; a send the transport cannot take (its queue is full) fails at once. */
  #transmitOrReject(pending: PendingSend): void {
    try {
      this.#transmit(pending);
    } catch (error) {
      this.#settle(pending);
      pending.reject(error as Error);
    }
  }

  #retransmit(pending: PendingSend): void {
    pending.timer = undefined;
    if (this.#pending.get(pending.clientMessageId) === pending) this.#transmitOrReject(pending);
  }

  #armAckTimer(pending: PendingSend): void {
    clearTimeout(pending.timer);
    pending.timer = setTimeout(() => {
      pending.timer = undefined;
      pending.failedAttempts += 1;
      if (pending.failedAttempts >= this.#options.maxSendAttempts) {
        this.#settle(pending);
        pending.reject(new RequestTimeoutError(`no ack for message after ${pending.failedAttempts} attempts`));
        return;
      }
      this.#retransmit(pending);
    }, this.#options.ackTimeoutMs);
  }

  #settle(pending: PendingSend): void {
    clearTimeout(pending.timer);
    this.#pending.delete(pending.clientMessageId);
  }
}
