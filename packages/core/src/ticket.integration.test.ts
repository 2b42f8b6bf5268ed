import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { customer, staffMember, useTestTable } from "../test/helpers";
import { ticketTtlSeconds } from "./config";
import { dynamo, GetCommand, table } from "./dynamo";
import { RateLimitedError } from "./errors";
import { connectTicketKey } from "./keys";
import * as Ticket from "./ticket";

beforeAll(async () => {
  await useTestTable("tickets");
});

describe("connect tickets", () => {
  it("are 256 random bits that expire within 30 s", async () => {
    const now = Date.now();
    const issued = await Ticket.issue(customer(), now);
    expect(issued.ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(issued.ticket, "base64url")).toHaveLength(32);
    expect(Date.parse(issued.expiresAt) - now).toBe(ticketTtlSeconds * 1000);
    expect(ticketTtlSeconds).toBeLessThanOrEqual(30);
    const others = await Promise.all(Array.from({ length: 20 }, () => Ticket.issue(customer(), now)));
    expect(new Set([issued, ...others].map((t) => t.ticket)).size).toBe(21);
  });

  it("carry the identity they were issued to, once", async () => {
    const staff = staffMember();
    const { ticket } = await Ticket.issue(staff);
    expect(await Ticket.redeem(ticket)).toEqual(staff);
    expect(await Ticket.redeem(ticket)).toBeUndefined();
  });

  it("are redeemed by exactly one of several concurrent connects", async () => {
    const owner = customer();
    const { ticket } = await Ticket.issue(owner);
    const redeemed = await Promise.all(Array.from({ length: 8 }, () => Ticket.redeem(ticket)));
    expect(redeemed.filter((identity) => identity !== undefined)).toEqual([owner]);
  });

  it("are refused once expired, unknown or malformed", async () => {
    const now = Date.now();
    const { ticket } = await Ticket.issue(customer(), now);
    expect(await Ticket.redeem(ticket, now + ticketTtlSeconds * 1000 + 1)).toBeUndefined();
    expect(await Ticket.redeem("A".repeat(43))).toBeUndefined();
    expect(await Ticket.redeem("")).toBeUndefined();
    expect(await Ticket.redeem(`${ticket}x`)).toBeUndefined();
  });

  it("store only a digest of the ticket, with a TTL", async () => {
    const { ticket } = await Ticket.issue(customer());
    const { Item } = await dynamo().send(
      new GetCommand({ TableName: table(), Key: connectTicketKey(ticket), ConsistentRead: true }),
    );
    expect(Item).toBeUndefined();
    const items = await dynamo().send(
      new GetCommand({
        TableName: table(),
        Key: connectTicketKey(createDigest(ticket)),
        ConsistentRead: true,
      }),
    );
    expect(JSON.stringify(items.Item)).not.toContain(ticket);
    expect(items.Item?.expiresAt).toBeGreaterThan(Date.now() / 1000);
  });

  it("are limited per user", async () => {
    process.env.LIVE_ORDERS_RATE_LIMIT_TICKETS = "2";
    try {
      const owner = customer();
      const now = Date.now();
      await Ticket.issue(owner, now);
      await Ticket.issue(owner, now);
      await expect(Ticket.issue(owner, now)).rejects.toBeInstanceOf(RateLimitedError);
      await expect(Ticket.issue(customer(), now)).resolves.toMatchObject({ ticket: expect.any(String) });
    } finally {
      delete process.env.LIVE_ORDERS_RATE_LIMIT_TICKETS;
    }
  });
});

function createDigest(ticket: string): string {
  return createHash("sha256").update(ticket).digest("base64url");
}
