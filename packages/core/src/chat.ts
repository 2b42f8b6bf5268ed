/**
 * Chat messages on an order. A message is an order event (`chat.message`) with the order's next
 * seq, so chat and status changes share one ordered history and one resume mechanism.
 *
 * Idempotency: the transaction that appends the event (its conditional Put at the next seq,
 * events.ts) also puts an item keyed by (order, sender, clientMessageId) on
 * `attribute_not_exists`: 2 items, 4 WRU. A retried send (same
 * clientMessageId) cancels on that item, and we answer with the seq the first send got: no
 * duplicate message, same ack.
 */
import { randomUUID } from "node:crypto";
import { assertCanSeeOrder, type Identity, senderOf } from "./authz";
import { dynamo, GetCommand, table } from "./dynamo";
import { InternalError } from "./errors";
import { queryOrder, tryAppendEvent, withSeqRetry } from "./events";
import { chatClientMessageKey } from "./keys";
import { type ChatMessageEvent, EventKind } from "./protocol";

export interface SendMessageInput {
  orderId: string;
  text: string;
  clientMessageId: string;
}

export interface SendMessageResult {
  seq: number;
  messageId: string;
  /** True when this was a retry of a message already stored (nothing new was written). */
  duplicate: boolean;
}

interface ClientMessageRecord {
  pk: string;
  sk: string;
  entity: "chatClientMessage";
  orderId: string;
  seq: number;
  messageId: string;
}

async function readClientMessage(orderId: string, userId: string, clientMessageId: string) {
  const result = await dynamo().send(
    new GetCommand({
      TableName: table(),
      Key: chatClientMessageKey(orderId, userId, clientMessageId),
      ConsistentRead: true,
    }),
  );
  return result.Item as ClientMessageRecord | undefined;
}

export async function sendMessage(identity: Identity, input: SendMessageInput): Promise<SendMessageResult> {
  const { orderId, clientMessageId } = input;
  const messageId = randomUUID();
  return withSeqRetry(async () => {
    const read = await queryOrder(orderId);
    const order = assertCanSeeOrder(identity, read.orderItem as { id: string; customerId: string } | undefined);
    if (read.head === undefined) return undefined;
    // The log's seq, not the order item's snapshot: a chat message follows the latest event.
    const seq = read.head.seq + 1;
    const event: ChatMessageEvent = {
      kind: EventKind.ChatMessage,
      seq,
      orderId,
      customerId: order.customerId,
      at: new Date().toISOString(),
      messageId,
      clientMessageId,
      text: input.text,
      from: senderOf(identity),
    };
    const idempotencyItem: ClientMessageRecord = {
      ...chatClientMessageKey(orderId, identity.userId, clientMessageId),
      entity: "chatClientMessage",
      orderId,
      seq,
      messageId,
    };
    const result = await tryAppendEvent({
      orderId,
      head: read.head,
      event,
      extraItems: [
        { Put: { TableName: table(), Item: idempotencyItem, ConditionExpression: "attribute_not_exists(pk)" } },
      ],
    });
    if (result.ok) return { seq, messageId, duplicate: false };
    // Items: [0] event (taken seq), [1] idempotency item.
    if (result.reasons[1] === "ConditionalCheckFailed") {
      const first = await readClientMessage(orderId, identity.userId, clientMessageId);
      if (first === undefined) throw new InternalError("idempotency item vanished");
      return { seq: first.seq, messageId: first.messageId, duplicate: true };
    }
    return undefined;
  });
}
