/**
 * The requests in flight on the current connection, by the `id` their reply echoes: an `error`
 * reply says nothing else, and what a refusal means depends on what was asked (a refused
 * subscribe drops or retries the subscription, a refused send rejects or retries the message).
 */
import type { Topic } from "@live-orders/core/protocol";

export type RequestPurpose =
  | { kind: "subscribe"; topic: Topic }
  | { kind: "unsubscribe"; topic: Topic }
  | { kind: "send"; clientMessageId: string };

export class Requests {
  #counter = 0;
  #open = new Map<string, RequestPurpose>();

  /** A fresh id (`r1`, `r2`, …) for a frame about to go out. */
  open(purpose: RequestPurpose): string {
    this.#counter += 1;
    const id = `r${this.#counter}`;
    this.#open.set(id, purpose);
    return id;
  }

  /** What the request of a reply was for; the id is forgotten (one reply per request). */
  take(id: string | undefined): RequestPurpose | undefined {
    if (id === undefined) return undefined;
    const purpose = this.#open.get(id);
    this.#open.delete(id);
    return purpose;
  }

  /** The connection closed: no reply to its requests will come. */
  clear(): void {
    this.#open.clear();
  }
}
