import { beforeAll, describe, expect, it } from "vitest";
import { customer, everyConnectionLive, orderInput, staffMember, useTestTable } from "../test/helpers";
import * as Chat from "./chat";
import { connectionTtlSeconds } from "./config";
import * as Connection from "./connection";
import { removeConnection } from "./connection-cleanup";
import { dynamo, GetCommand, table } from "./dynamo";
import { ForbiddenError, NotFoundError } from "./errors";
import { connectionKey, subscriptionKey } from "./keys";
import * as Order from "./order";
import type { Topic } from "./protocol";
import * as Subscription from "./subscription";

beforeAll(async () => {
  await useTestTable("subs");
});

let counter = 0;
function connectionOf(identity: ReturnType<typeof customer>) {
  counter += 1;
  return { connectionId: `conn${counter}=`, connectedAt: Date.now(), identity };
}

async function subscribers(topic: Topic): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of Subscription.subscribersOfTopic(topic, 2)) ids.push(...page);
  return ids.sort();
}

describe("subscribe", () => {
  it("replies the current seq and replays events after since, once, in order", async () => {
    const owner = customer();
    const order = await Order.create(owner, orderInput());
    for (let i = 0; i < 4; i++)
      await Chat.sendMessage(owner, { orderId: order.id, text: `m${i}`, clientMessageId: `m${i}` });
    const connection = connectionOf(owner);
    const result = await Subscription.subscribe(connection, { topic: `order:${order.id}`, since: 2 });
    expect(result.seq).toBe(5);
    expect(result.events.map((e) => e.seq)).toEqual([3, 4, 5]);
    const withoutSince = await Subscription.subscribe(connection, { topic: `order:${order.id}` });
    // No staff connection anywhere in this table: staff are offline.
    expect(withoutSince).toEqual({ topic: `order:${order.id}`, seq: 5, events: [], presence: { staffOnline: false } });
    expect(await subscribers(`order:${order.id}`)).toEqual([connection.connectionId]);
  });

  it("replays a contiguous history and keeps the subscription while writers race the subscribe", async () => {
    const owner = customer();
    const order = await Order.create(owner, orderInput());
    const topic: Topic = `order:${order.id}`;
    // Writers commit while the subscribe runs; the replay must still be the whole history up to
    // the seq it reports (the end-to-end tests check the live side through the real fan-out).
    for (let round = 0; round < 5; round++) {
      const connection = connectionOf(owner);
      const writes = Array.from({ length: 5 }, (_, i) =>
        Chat.sendMessage(owner, { orderId: order.id, text: "x", clientMessageId: `r${round}-${i}` }),
      );
      const [result] = await Promise.all([Subscription.subscribe(connection, { topic, since: 0 }), ...writes]);
      const replayed = new Set(result.events.map((e) => e.seq));
      expect([...replayed]).toEqual(Array.from({ length: result.seq }, (_, i) => i + 1));
      expect(await subscribers(topic)).toContain(connection.connectionId);
    }
  });

  it("refuses another customer's order with NOT_FOUND and the staff feed with FORBIDDEN, writing nothing", async () => {
    const order = await Order.create(customer(), orderInput());
    const mallory = connectionOf(customer("mallory"));
    await expect(Subscription.subscribe(mallory, { topic: `order:${order.id}` })).rejects.toBeInstanceOf(NotFoundError);
    await expect(Subscription.subscribe(mallory, { topic: "orders" })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(Subscription.subscribe(mallory, { topic: "order:missing" })).rejects.toBeInstanceOf(NotFoundError);
    expect(await subscribers(`order:${order.id}`)).toEqual([]);
    expect(await Subscription.subscriptionsOfConnection(mallory.connectionId)).toEqual([]);
  });

  it("subscribes staff to the orders feed with seq 0 and no replay", async () => {
    const connection = connectionOf(staffMember());
    expect(await Subscription.subscribe(connection, { topic: "orders", since: 3 })).toEqual({
      topic: "orders",
      seq: 0,
      events: [],
    });
    expect(await subscribers("orders")).toContain(connection.connectionId);
  });

  it("subscribes a customer to their own customer feed, and staff to anyone's, with seq 0 and no replay", async () => {
    const owner = customer();
    const topic: Topic = `customer:${owner.userId}`;
    const mine = connectionOf(owner);
    const staffs = connectionOf(staffMember());
    expect(await Subscription.subscribe(mine, { topic, since: 4 })).toEqual({ topic, seq: 0, events: [] });
    expect(await Subscription.subscribe(staffs, { topic })).toEqual({ topic, seq: 0, events: [] });
    expect(await subscribers(topic)).toEqual([mine.connectionId, staffs.connectionId].sort());
  });

  it("refuses another customer's customer feed with NOT_FOUND, writing nothing", async () => {
    const owner = customer();
    const topic: Topic = `customer:${owner.userId}`;
    await expect(Subscription.subscribe(connectionOf(customer()), { topic })).rejects.toBeInstanceOf(NotFoundError);
    expect(await subscribers(topic)).toEqual([]);
  });

  it("gives subscriptions a TTL past the 2-hour connection limit", async () => {
    const owner = customer();
    const order = await Order.create(owner, orderInput());
    const connection = connectionOf(owner);
    await Subscription.subscribe(connection, { topic: `order:${order.id}` });
    const item = await dynamo().send(
      new GetCommand({ TableName: table(), Key: subscriptionKey(`order:${order.id}`, connection.connectionId) }),
    );
    const expiresAt = item.Item?.expiresAt as number;
    expect(expiresAt - connection.connectedAt / 1000).toBeGreaterThan(2 * 60 * 60);
    expect(expiresAt - Math.floor(connection.connectedAt / 1000)).toBe(connectionTtlSeconds);
  });
});

describe("connections", () => {
  it("removes a connection and all its subscriptions", async () => {
    const staff = staffMember();
    const owner = customer();
    const a = await Order.create(owner, orderInput());
    const b = await Order.create(owner, orderInput());
    const connection = connectionOf(staff);
    const other = connectionOf(staff);
    await Connection.register(connection.connectionId, staff, connection.connectedAt, everyConnectionLive);
    for (const topic of [`order:${a.id}`, `order:${b.id}`, "orders"] as const) {
      await Subscription.subscribe(connection, { topic });
      await Subscription.subscribe(other, { topic });
    }
    expect(await removeConnection(connection.connectionId)).toBe(3);
    expect(await subscribers(`order:${a.id}`)).toEqual([other.connectionId]);
    expect(await subscribers("orders")).not.toContain(connection.connectionId);
    const item = await dynamo().send(
      new GetCommand({ TableName: table(), Key: connectionKey(connection.connectionId) }),
    );
    expect(item.Item).toBeUndefined();
    expect(await removeConnection(connection.connectionId)).toBe(0);
  });

  it("unsubscribes one topic only", async () => {
    const owner = customer();
    const order = await Order.create(owner, orderInput());
    const connection = connectionOf(staffMember());
    await Subscription.subscribe(connection, { topic: `order:${order.id}` });
    await Subscription.subscribe(connection, { topic: "orders" });
    await Subscription.remove(connection.connectionId, `order:${order.id}`);
    expect(await Subscription.subscriptionsOfConnection(connection.connectionId)).toEqual(["orders"]);
  });
});
