/**
 * Order chat. Text is rendered as React text children, never as HTML, so a message like
 * `<img src=x onerror=alert(1)>` shows up literally. Shows who wrote (the customer by their
 * name), "Seen" under one's last message once the other side has read past it (`chat-seen`),
 * and who is typing (`typing-indicator`); typing here tells the other side, at most once a second.
 */
import type { ChatMessageEvent } from "@live-orders/core/protocol";
import { maxChatTextLength } from "@live-orders/core/protocol";
import { type FormEvent, useEffect, useLayoutEffect, useRef, useState } from "react";
import type { SignedInUser } from "../auth";
import { describeError } from "../errors";
import { useTypingOf } from "../hooks/use-live-signals";
import type { OlderEvents } from "../hooks/use-order";
import { useRealtime } from "../hooks/use-realtime";
import { LoadError } from "./load-error";
import { useToast } from "./toasts";

interface PendingMessage {
  clientMessageId: string;
  text: string;
}

export function Chat(props: {
  orderId: string;
  messages: readonly ChatMessageEvent[];
  user: SignedInUser;
  /** Earlier history, read on demand (the order page loads the newest page only). */
  older?: OlderEvents;
  /** The order's contact name: how staff see the customer's messages signed. */
  customerName: string;
  /** How far the other side has read (its read position's seq). */
  otherReadSeq: number;
}) {
  const client = useRealtime();
  const toast = useToast();
  const [text, setText] = useState("");
  const [pending, setPending] = useState<PendingMessage[]>([]);
  const listRef = useRef<HTMLOListElement>(null);
  const typist = useTypingOf(props.orderId, props.user);
  const authorOf = (message: ChatMessageEvent) =>
    message.from.userId === props.user.userId ? "You" : message.from.role === "staff" ? "Staff" : props.customerName;
  const myLast = props.messages.findLast((message) => message.from.userId === props.user.userId);
  const seen = myLast !== undefined && props.otherReadSeq >= myLast.seq;

  // A pending message is done once its own event (same clientMessageId) is in the list.
  const delivered = new Set(props.messages.map((message) => message.clientMessageId));
  const stillPending = pending.filter((message) => !delivered.has(message.clientMessageId));

  // Older messages put in front keep what is in view where it was.
  const oldestSeq = props.messages[0]?.seq;
  const before = useRef({ oldestSeq, height: 0 });
  useLayoutEffect(() => {
    const list = listRef.current;
    if (!list) return;
    if (oldestSeq !== undefined && before.current.oldestSeq !== undefined && oldestSeq < before.current.oldestSeq)
      list.scrollTop += list.scrollHeight - before.current.height;
    before.current = { oldestSeq, height: list.scrollHeight };
  });
  // A new message at the end scrolls to it.
  const newestSeq = props.messages.at(-1)?.seq;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the newest message and the pending count are what triggers a scroll to the end
  useEffect(() => {
    const list = listRef.current;
    if (list) list.scrollTop = list.scrollHeight;
  }, [newestSeq, stillPending.length]);

  function send(event: FormEvent) {
    event.preventDefault();
    const trimmed = text.trim();
    if (!trimmed) return;
    const clientMessageId = crypto.randomUUID();
    setPending((current) => [...current, { clientMessageId, text: trimmed }]);
    setText("");
    client.sendMessage(props.orderId, trimmed, { clientMessageId }).catch((error: unknown) => {
      setPending((current) => current.filter((message) => message.clientMessageId !== clientMessageId));
      setText((current) => current || trimmed);
      toast.error(`Message not sent: ${describeError(error)}`);
    });
  }

  return (
    <section className="panel chat" aria-labelledby="chat-title">
      <h2 id="chat-title">Chat</h2>
      {props.older?.error ? (
        <LoadError what="earlier messages" error={props.older.error} onRetry={props.older.load} compact />
      ) : props.older?.available ? (
        <button
          type="button"
          className="load-more"
          data-testid="load-more"
          aria-disabled={props.older.loading}
          onClick={props.older.load}
        >
          {props.older.loading ? "Loading earlier messages…" : "Show earlier messages"}
        </button>
      ) : null}
      <ol className="chat-messages" ref={listRef} aria-live="polite" aria-relevant="additions">
        {props.messages.length === 0 && stillPending.length === 0 ? (
          <li className="muted chat-empty">No messages yet.</li>
        ) : null}
        {props.messages.map((message) => {
          const mine = message.from.userId === props.user.userId;
          return (
            <li
              key={message.seq}
              className={`chat-bubble ${mine ? "chat-mine" : "chat-theirs"}`}
              data-testid="chat-message"
              data-seq={message.seq}
            >
              <span className="chat-author">{authorOf(message)}</span>
              <span className="chat-text">{message.text}</span>
              <time className="chat-time" dateTime={message.at}>
                {new Date(message.at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}
              </time>
              {seen && message === myLast ? (
                <span className="chat-seen" data-testid="chat-seen">
                  Seen
                </span>
              ) : null}
            </li>
          );
        })}
        {stillPending.map((message) => (
          <li
            key={message.clientMessageId}
            className="chat-bubble chat-mine chat-pending"
            data-testid="chat-message-pending"
          >
            <span className="chat-author">You</span>
            <span className="chat-text">{message.text}</span>
            <span className="chat-time">sending…</span>
          </li>
        ))}
      </ol>
      <p className="typing-line" aria-live="polite">
        {typist ? (
          <span data-testid="typing-indicator">
            {typist.role === "staff" ? "Staff" : props.customerName} is typing…
          </span>
        ) : null}
      </p>
      <form className="chat-form" onSubmit={send}>
        <label className="visually-hidden" htmlFor={`chat-input-${props.orderId}`}>
          Message
        </label>
        <input
          id={`chat-input-${props.orderId}`}
          data-testid="chat-input"
          value={text}
          maxLength={maxChatTextLength}
          placeholder="Write a message…"
          autoComplete="off"
          onChange={(event) => {
            setText(event.target.value);
            if (event.target.value.trim()) client.signals.typing(props.orderId);
          }}
        />
        <button type="submit" className="primary" data-testid="chat-send" disabled={!text.trim()}>
          Send
        </button>
      </form>
    </section>
  );
}
