import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { customer, useTestTable } from "../test/helpers";
import { dynamo, QueryCommand, table } from "./dynamo";
import { RateLimitedError } from "./errors";
import { admit, admitFrame, admitHeartbeat, heartbeatSparseSeconds, Limit } from "./rate-limit";

beforeAll(async () => {
  await useTestTable("limits");
});

const overrides = ["LIVE_ORDERS_RATE_LIMIT_FRAMES", "LIVE_ORDERS_RATE_LIMIT_CHAT", "LIVE_ORDERS_RATE_LIMIT_ORDERS"];
const windowItems = async (userId: string) =>
  (
    await dynamo().send(
      new QueryCommand({
        TableName: table(),
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": `LIMIT#${userId}` },
      }),
    )
  ).Items ?? [];
afterEach(() => {
  for (const name of overrides) delete process.env[name];
});

/** The start of a window well in the future, so no other test's counts share it. */
function windowStart(offsetWindows: number, windowSeconds = 10): number {
  return (Math.ceil(Date.now() / (windowSeconds * 1000)) + offsetWindows) * windowSeconds * 1000;
}

const settled = async (attempts: Promise<void>[]) => {
  const results = await Promise.allSettled(attempts);
  return {
    admitted: results.filter((r) => r.status === "fulfilled").length,
    limited: results.filter((r) => r.status === "rejected" && r.reason instanceof RateLimitedError).length,
  };
};

describe("frame limit", () => {
  it("allows the window's budget, refuses the next frame with RATE_LIMITED, and resets next window", async () => {
    process.env.LIVE_ORDERS_RATE_LIMIT_FRAMES = "50";
    const { userId } = customer();
    const start = windowStart(2);
    for (let i = 0; i < 50; i++) await admitFrame(userId, undefined, start + i);
    await expect(admitFrame(userId, undefined, start + 100)).rejects.toBeInstanceOf(RateLimitedError);
    await expect(admitFrame(userId, undefined, start + 10_000)).resolves.toBeUndefined();
  });

  it("counts concurrent frames exactly when they open a window together", async () => {
    process.env.LIVE_ORDERS_RATE_LIMIT_FRAMES = "50";
    const { userId } = customer();
    const now = windowStart(5);
    expect(await settled(Array.from({ length: 60 }, () => admitFrame(userId, undefined, now)))).toEqual({
      admitted: 50,
      limited: 10,
    });
  });

  it("limits a user, not anyone else: another user's frames in the same window pass", async () => {
    process.env.LIVE_ORDERS_RATE_LIMIT_FRAMES = "5";
    const flooder = customer().userId;
    const bystander = customer().userId;
    const now = windowStart(8);
    expect(await settled(Array.from({ length: 8 }, () => admitFrame(flooder, undefined, now)))).toEqual({
      admitted: 5,
      limited: 3,
    });
    await expect(admitFrame(bystander, undefined, now)).resolves.toBeUndefined();
  });
});

describe("unlimited", () => {
  it("counts nothing at all: a load test's one user writes no window item", async () => {
    process.env.LIVE_ORDERS_RATE_LIMIT_FRAMES = "unlimited";
    process.env.LIVE_ORDERS_RATE_LIMIT_CHAT = "unlimited";
    const { userId } = customer();
    const now = windowStart(17);
    expect(
      await settled(Array.from({ length: 300 }, (_, i) => admitFrame(userId, i % 2 ? "o" : undefined, now))),
    ).toEqual({
      admitted: 300,
      limited: 0,
    });
    expect(await windowItems(userId)).toEqual([]);
  });

  it("keeps counting what stays limited", async () => {
    process.env.LIVE_ORDERS_RATE_LIMIT_FRAMES = "unlimited";
    process.env.LIVE_ORDERS_RATE_LIMIT_CHAT = "2";
    const { userId } = customer();
    const now = windowStart(20);
    expect(await settled(Array.from({ length: 5 }, () => admitFrame(userId, "o", now)))).toEqual({
      admitted: 2,
      limited: 3,
    });
  });
});

describe("chat limit per order", () => {
  it("refuses the user's messages on one order past its budget, still counting them as frames", async () => {
    process.env.LIVE_ORDERS_RATE_LIMIT_FRAMES = "7";
    process.env.LIVE_ORDERS_RATE_LIMIT_CHAT = "3";
    const { userId } = customer();
    const now = windowStart(11);
    for (let i = 0; i < 3; i++) await admitFrame(userId, "order-a", now);
    await expect(admitFrame(userId, "order-a", now)).rejects.toThrow(/messages on this order/);
    // Another order has its own budget; the refused message above was a frame all the same.
    for (let i = 0; i < 3; i++) await admitFrame(userId, "order-b", now);
    expect(await settled([admitFrame(userId, undefined, now), admitFrame(userId, undefined, now)])).toEqual({
      admitted: 0,
      limited: 2,
    });
    await expect(admitFrame(userId, "order-c", now)).rejects.toThrow(/frames/);
  });
});

describe("chat window", () => {
  it("is short: a user's messages on an order come a few at a time, and flow again seconds later", async () => {
    process.env.LIVE_ORDERS_RATE_LIMIT_CHAT = "3";
    const { userId } = customer();
    const now = windowStart(14);
    const burst = await settled(Array.from({ length: 6 }, () => admitFrame(userId, "order-a", now)));
    expect(burst).toEqual({ admitted: 3, limited: 3 });
    // The next chat window (2 s) is inside the same frame window (10 s): one item, one write each.
    await expect(admitFrame(userId, "order-a", now + 2_000)).resolves.toBeUndefined();
  });
});

describe("counted limits", () => {
  it("refuses order placements past the minute's budget, per user", async () => {
    process.env.LIVE_ORDERS_RATE_LIMIT_ORDERS = "3";
    const alice = customer().userId;
    const bob = customer().userId;
    const now = windowStart(3, 60);
    expect(await settled(Array.from({ length: 5 }, () => admit(alice, Limit.orderPlacements, now)))).toEqual({
      admitted: 3,
      limited: 2,
    });
    await expect(admit(bob, Limit.orderPlacements, now)).resolves.toBeUndefined();
    await expect(admit(alice, Limit.orderPlacements, now + 60_000)).resolves.toBeUndefined();
  });
});

describe("heartbeat", () => {
  it("writes nothing for a sparse ping and counts a ping that follows its connection's last within the sparse time", async () => {
    const { userId } = customer();
    const start = windowStart(9);
    const sparse = heartbeatSparseSeconds * 1000;

    await admitHeartbeat(userId, "hb-a", start);
    await admitHeartbeat(userId, "hb-a", start + sparse + 1);
    await admitHeartbeat(userId, "hb-b", start + sparse + 2);
    const afterSparse = await windowItems(userId);
    await admitHeartbeat(userId, "hb-a", start + sparse + 3);

    expect(afterSparse).toEqual([]);
    expect((await windowItems(userId)).map((item) => item.frames)).toEqual([1]);
  });

  it("refuses a ping from the instance's memory of a full window, without a request", async () => {
    process.env.LIVE_ORDERS_RATE_LIMIT_FRAMES = "2";
    const { userId } = customer();
    const start = windowStart(14);
    for (let i = 0; i < 2; i++) await admitFrame(userId, undefined, start + i);
    await expect(admitFrame(userId, undefined, start + 2)).rejects.toBeInstanceOf(RateLimitedError);

    await expect(admitHeartbeat(userId, "hb-full", start + 3)).rejects.toBeInstanceOf(RateLimitedError);
    expect((await windowItems(userId)).map((item) => item.frames)).toEqual([2]);
  });
});
