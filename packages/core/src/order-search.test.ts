import { describe, expect, it } from "vitest";
import { BadRequestError } from "./errors";
import {
  normalizeForSearch,
  orderNumberOf,
  parseSearchQuery,
  searchIndexItems,
  searchQueryInput,
  searchTermsOf,
} from "./order-search";

const order = (name?: string) => ({
  id: "5d0c6f0e-8b3a-4f7e-9c1d-3f9a2c7b1e4d",
  createdAt: "2026-12-01T10:00:00.000Z",
  ...(name === undefined ? {} : { contact: { name, phone: "+1 555 0100" } }),
});

describe("normalizeForSearch", () => {
  it("folds case and accents and turns punctuation into word breaks", () => {
    expect(normalizeForSearch("  Zoë  MÜLLER-O'Brien ")).toBe("zoe muller o brien");
    expect(normalizeForSearch("Ångström, Çelik & Søren")).toBe("angstrom celik søren");
    expect(normalizeForSearch("Ｆｕｌｌｗｉｄｔｈ")).toBe("fullwidth");
    expect(normalizeForSearch("#3F9A2C")).toBe("3f9a2c");
    expect(normalizeForSearch("Владимир Петров")).toBe("владимир петров");
  });
});

describe("searchTermsOf", () => {
  it("indexes the order number and each distinct word of the contact name", () => {
    expect(orderNumberOf(order().id)).toBe("7B1E4D");
    expect(searchTermsOf(order("Anne-Marie Müller"))).toEqual(["7b1e4d", "anne", "marie", "muller"]);
    expect(searchTermsOf(order("Ann Ann"))).toEqual(["7b1e4d", "ann"]);
  });

  it("falls back to the order number alone for an order without a contact", () => {
    expect(searchTermsOf(order())).toEqual(["7b1e4d"]);
    expect(searchTermsOf(order("  --  "))).toEqual(["7b1e4d"]);
  });

  it("writes one item per term on gsi1, sharded by the term's first character", () => {
    const items = searchIndexItems(order("Zoë Adams"), "t").map((item) => item.Put?.Item);
    expect(items).toEqual([
      expect.objectContaining({ sk: "TERM#7b1e4d", gsi1pk: "SEARCH#7", words: "7b1e4d zoe adams" }),
      expect.objectContaining({
        sk: "TERM#zoe",
        gsi1pk: "SEARCH#z",
        gsi1sk: `zoe#2026-12-01T10:00:00.000Z#${order().id}`,
      }),
      expect.objectContaining({ sk: "TERM#adams", gsi1pk: "SEARCH#a" }),
    ]);
    for (const item of items) expect(item?.pk).toBe(`ORDER#${order().id}`);
  });
});

describe("parseSearchQuery", () => {
  it("matches the longest word by key and checks the others in the name", () => {
    expect(parseSearchQuery("Mül")).toEqual({ keyTerm: "mul", otherWords: [] });
    expect(parseSearchQuery("anne MÜLL")).toEqual({ keyTerm: "anne", otherWords: ["mull"] });
    const input = searchQueryInput(parseSearchQuery("anne MÜLLER"));
    expect(input).toMatchObject({
      IndexName: "gsi1",
      KeyConditionExpression: "gsi1pk = :pk AND begins_with(gsi1sk, :term)",
      FilterExpression: "contains(#words, :w0)",
      ExpressionAttributeValues: { ":pk": "SEARCH#m", ":term": "muller", ":w0": "anne" },
    });
  });

  it("refuses a query with no letter or digit", () => {
    expect(() => parseSearchQuery(" #-! ")).toThrow(BadRequestError);
  });
});
