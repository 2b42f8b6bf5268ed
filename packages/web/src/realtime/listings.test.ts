import type { Order } from "@live-orders/core/protocol";
import { describe, expect, it } from "vitest";
import { order } from "../../test/helpers";
import type { ListOrdersPage } from "./feed-catch-up";
import { firstOrders, sideBySide } from "./listings";

/** A listing of `count` orders named `${name}0…`, `size` per page; records the cursors it was asked for. */
function pagedListing(name: string, count: number, size: number) {
  const asked: (string | undefined)[] = [];
  const listing: ListOrdersPage = async (cursor) => {
    asked.push(cursor);
    const start = cursor === undefined ? 0 : Number(cursor);
    const orders: Order[] = Array.from({ length: Math.min(size, count - start) }, (_, i) =>
      order({ id: `${name}${start + i}` }),
    );
    return start + size < count ? { orders, cursor: String(start + size) } : { orders };
  };
  return { listing, asked };
}

async function readAll(listing: ListOrdersPage): Promise<{ ids: string[]; steps: number }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  let steps = 0;
  do {
    const page = await listing(cursor);
    steps += 1;
    ids.push(...page.orders.map((each) => each.id));
    cursor = page.cursor;
  } while (cursor !== undefined);
  return { ids, steps };
}

describe("sideBySide", () => {
  it("reads every listing to its end, a page of each per step", async () => {
    const a = pagedListing("a", 5, 2);
    const b = pagedListing("b", 1, 2);
    const c = pagedListing("c", 0, 2);
    const { ids, steps } = await readAll(sideBySide([a.listing, b.listing, c.listing]));
    expect(steps).toBe(3);
    expect(ids.sort()).toEqual(["a0", "a1", "a2", "a3", "a4", "b0"]);
    expect([a.asked, b.asked, c.asked]).toEqual([[undefined, "2", "4"], [undefined], [undefined]]);
  });
});

describe("firstOrders", () => {
  it("reads one page when nothing more is shown, and says where it stopped", async () => {
    const a = pagedListing("a", 9, 3);
    const stops: (string | undefined)[] = [];
    const { ids } = await readAll(
      firstOrders(
        a.listing,
        () => 0,
        (cursor) => stops.push(cursor),
      ),
    );
    expect(ids).toEqual(["a0", "a1", "a2"]);
    expect(stops).toEqual(["3"]);
  });

  it("reads on until it covers the orders shown, or the listing ends", async () => {
    const a = pagedListing("a", 9, 3);
    expect((await readAll(firstOrders(a.listing, () => 4))).ids).toHaveLength(6);
    const stops: (string | undefined)[] = [];
    expect(
      (
        await readAll(
          firstOrders(
            a.listing,
            () => 50,
            (cursor) => stops.push(cursor),
          ),
        )
      ).ids,
    ).toHaveLength(9);
    expect(stops).toEqual([undefined]);
  });
});
