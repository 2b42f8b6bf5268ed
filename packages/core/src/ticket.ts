/**
 * Connect tickets (SPEC §4): what a browser puts in the WebSocket URL instead of its Cognito
 * token. URLs end up in API Gateway's access logs, proxies and browser history; a ticket found
 * there is worthless: it is random (256 bits), valid for 30 s, and usable once.
 *
 * `POST /realtime/tickets` issues one for the caller's verified identity (`issue`); the
 * `$connect` authorizer redeems it (`redeem`) with one conditional DeleteItem, so of two
 * connects presenting the same ticket exactly one gets the identity, and a used ticket leaves
 * nothing behind. Only the ticket's SHA-256 is stored (keys.ts, `connectTicket`).
 */
import { createHash, randomBytes } from "node:crypto";
import type { Identity } from "./authz";
import { ticketTtlSeconds } from "./config";
import { DeleteCommand, dynamo, PutCommand, table } from "./dynamo";
import { isErrorNamed } from "./errors";
import { connectTicketKey } from "./keys";
import type { ConnectTicket, Role } from "./protocol";
import { admit, Limit } from "./rate-limit";

const ticketBytes = 32;
/** 32 random bytes in base64url: 43 characters, no padding. */
const ticketPattern = /^[A-Za-z0-9_-]{43}$/;

interface TicketRecord {
  pk: string;
  sk: string;
  entity: "connectTicket";
  userId: string;
  role: Role;
  username?: string;
  /** Epoch ms after which the ticket is refused (TTL deletion can lag by hours; this cannot). */
  validUntil: number;
  expiresAt: number;
}

function digestOf(ticket: string): string {
  return createHash("sha256").update(ticket).digest("base64url");
}

/** A fresh ticket for `identity`, within the caller's ticket limit (rate-limit.ts). */
export async function issue(identity: Identity, nowMs = Date.now()): Promise<ConnectTicket> {
  await admit(identity.userId, Limit.tickets, nowMs);
  const ticket = randomBytes(ticketBytes).toString("base64url");
  const validUntil = nowMs + ticketTtlSeconds * 1000;
  const item: TicketRecord = {
    ...connectTicketKey(digestOf(ticket)),
    entity: "connectTicket",
    userId: identity.userId,
    role: identity.role,
    ...(identity.username === undefined ? {} : { username: identity.username }),
    validUntil,
    expiresAt: Math.ceil(validUntil / 1000) + 60,
  };
  await dynamo().send(new PutCommand({ TableName: table(), Item: item }));
  return { ticket, expiresAt: new Date(validUntil).toISOString() };
}

/** The identity a ticket was issued to, once: undefined for an unknown, used or expired ticket. */
export async function redeem(ticket: string, nowMs = Date.now()): Promise<Identity | undefined> {
  if (!ticketPattern.test(ticket)) return undefined;
  try {
    const { Attributes } = await dynamo().send(
      new DeleteCommand({
        TableName: table(),
        Key: connectTicketKey(digestOf(ticket)),
        ConditionExpression: "attribute_exists(pk) AND validUntil > :now",
        ExpressionAttributeValues: { ":now": nowMs },
        ReturnValues: "ALL_OLD",
      }),
    );
    const record = Attributes as TicketRecord | undefined;
    if (record === undefined) return undefined;
    return {
      userId: record.userId,
      role: record.role,
      ...(record.username === undefined ? {} : { username: record.username }),
    };
  } catch (error) {
    if (isErrorNamed(error, "ConditionalCheckFailedException")) return undefined;
    throw error;
  }
}
