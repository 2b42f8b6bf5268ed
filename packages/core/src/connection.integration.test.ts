import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { connectionsGoneFor, customer, everyConnectionLive, useTestTable } from "../test/helpers";
import * as Connection from "./connection";
import { closeConnectionsOfUser, forgetConnection } from "./connection-cleanup";
import type { ConnectionsApi } from "./connections-api";
import { dynamo, GetCommand, table } from "./dynamo";
import { RateLimitedError } from "./errors";
import { connectionKey } from "./keys";

beforeAll(async () => {
  await useTestTable("conns");
});
afterEach(() => {
  delete process.env.LIVE_ORDERS_MAX_CONNECTIONS_PER_USER;
});

let counter = 0;
const newConnectionId = () => `c${++counter}/x+y=`;
/** A connectedAt old enough for its slot to be checked with API Gateway. */
const pastGrace = () => Date.now() - Connection.slotGraceMs - 1_000;

describe("connection cap", () => {
  it("lets a user hold 10 live connections and refuses the 11th with 429", async () => {
    const user = customer();
    const ids = Array.from({ length: 10 }, newConnectionId);
    for (const id of ids) await Connection.register(id, user, pastGrace(), everyConnectionLive);
    const refused = Connection.register(newConnectionId(), user, Date.now(), everyConnectionLive);
    await expect(refused).rejects.toBeInstanceOf(RateLimitedError);
    await expect(refused).rejects.toMatchObject({ status: 429 });
    expect((await Connection.connectionsOfUser(user.userId)).sort()).toEqual([...ids].sort());
    // Another user is not affected.
    await expect(Connection.register(newConnectionId(), customer(), Date.now(), everyConnectionLive)).resolves.toBe(
      undefined,
    );
  });

  it("holds the cap when 30 connects of one user race", async () => {
    const user = customer();
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, () => Connection.register(newConnectionId(), user, Date.now(), everyConnectionLive)),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(10);
    expect(results.filter((r) => r.status === "rejected" && r.reason instanceof RateLimitedError)).toHaveLength(20);
    expect(await Connection.connectionsOfUser(user.userId)).toHaveLength(10);
  });

  it("admits every one of a new user's first connects when they race, while there is room", async () => {
    process.env.LIVE_ORDERS_MAX_CONNECTIONS_PER_USER = "30";
    const user = customer();
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => Connection.register(newConnectionId(), user, Date.now(), everyConnectionLive)),
    );
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    expect(await Connection.connectionsOfUser(user.userId)).toHaveLength(20);
  });

  it("frees the slot of a connection whose $disconnect never came, once API Gateway says it is gone", async () => {
    const user = customer();
    const ids = Array.from({ length: 10 }, newConnectionId);
    for (const id of ids) await Connection.register(id, user, pastGrace(), everyConnectionLive);
    const ghost = ids[3] as string;
    const lookup = connectionsGoneFor(new Set([ghost]));
    const next = newConnectionId();
    await Connection.register(next, user, Date.now(), lookup);
    expect(lookup.asked.sort()).toEqual([...ids].sort());
    expect((await Connection.connectionsOfUser(user.userId)).sort()).toEqual(
      [...ids.filter((id) => id !== ghost), next].sort(),
    );
  });

  it("frees a slot past API Gateway's 2-hour limit without asking, and never asks about a fresh one", async () => {
    const user = customer();
    const ancient = newConnectionId();
    await Connection.register(ancient, user, Date.now() - 2 * 60 * 60 * 1000 - 60_000, everyConnectionLive);
    const fresh = Array.from({ length: 9 }, newConnectionId);
    for (const id of fresh) await Connection.register(id, user, Date.now(), everyConnectionLive);
    // Every id would be "gone": only the old one may be freed, and without a lookup of the fresh ones.
    const lookup = connectionsGoneFor(new Set([ancient, ...fresh]));
    await Connection.register(newConnectionId(), user, Date.now(), lookup);
    expect(lookup.asked).toEqual([]);
    expect(await Connection.connectionsOfUser(user.userId)).not.toContain(ancient);
    await expect(Connection.register(newConnectionId(), user, Date.now(), lookup)).rejects.toBeInstanceOf(
      RateLimitedError,
    );
  });

  it("frees the slot on $disconnect", async () => {
    process.env.LIVE_ORDERS_MAX_CONNECTIONS_PER_USER = "1";
    const user = customer();
    const first = newConnectionId();
    await Connection.register(first, user, Date.now(), everyConnectionLive);
    await expect(Connection.register(newConnectionId(), user, Date.now(), everyConnectionLive)).rejects.toBeInstanceOf(
      RateLimitedError,
    );
    await forgetConnection(first, user.userId);
    const { Item } = await dynamo().send(new GetCommand({ TableName: table(), Key: connectionKey(first) }));
    expect(Item).toBeUndefined();
    await expect(Connection.register(newConnectionId(), user, Date.now(), everyConnectionLive)).resolves.toBe(
      undefined,
    );
  });
});

describe("sign-out", () => {
  it("closes every connection of the user and frees their slots, and none of anyone else", async () => {
    const user = customer();
    const other = customer();
    const ids = [newConnectionId(), newConnectionId(), newConnectionId()];
    for (const id of ids) await Connection.register(id, user, Date.now(), everyConnectionLive);
    const othersConnection = newConnectionId();
    await Connection.register(othersConnection, other, Date.now(), everyConnectionLive);
    const deleted: string[] = [];
    const connections: ConnectionsApi = {
      post: async () => undefined,
      delete: async (id) => {
        deleted.push(id);
        // One of them had closed already: API Gateway answers Gone.
        if (id === ids[2]) throw Object.assign(new Error("gone"), { name: "GoneException" });
      },
    };
    expect(await closeConnectionsOfUser(user.userId, connections)).toBe(2);
    expect(deleted.sort()).toEqual([...ids].sort());
    expect(await Connection.connectionsOfUser(user.userId)).toEqual([]);
    expect(await Connection.connectionsOfUser(other.userId)).toEqual([othersConnection]);
  });
});
