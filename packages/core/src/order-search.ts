/**
 * Staff search of orders by order number or customer name (`GET /orders?q=`, SPEC §5), with a
 * key condition, never a filter over every order: DynamoDB compares strings byte by byte, with no
 * case- or accent-insensitive condition, so each order is written with one small SearchTerm item
 * per normalized word of its contact name and one for its order number (`ordersBySearchTerm` in
 * keys.ts), in the transaction that creates it.
 *
 * Matching is by WORD PREFIX, case- and accent-insensitive: "mar" and "MÜLLER" find
 * "Anne-Marie Müller"; "#3F9A2C", "3f9a" find that order number. Prefix, not substring: a key
 * condition can only match the start of a key, and what people type to find a name is its start
 * ("mar" for Martin), rarely its middle. With several words ("anne mül"), the longest is the key
 * condition and the others must be in the normalized name too (a filter on the few items the
 * key matched, not on the table).
 */
import type { TransactWriteCommandInput } from "@aws-sdk/lib-dynamodb";
import { BadRequestError } from "./errors";
import { searchTermGsi1, searchTermGsi1Sk, searchTermKey } from "./keys";
import type { Order } from "./protocol";

type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/** The longest term kept: a sort key is at most 1 KB, and no name needs more to be found. */
const maxTermLength = 64;
/** The words of a name indexed at most: each is an item written with the order. */
const maxNameTerms = 6;

/** Lower case, accents (combining marks after NFKD) and punctuation gone, words separated by one space. */
export function normalizeForSearch(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** An order's number as people read it (the last six characters of its id, SPEC §7 cards). */
export function orderNumberOf(orderId: string): string {
  return orderId.slice(-6).toUpperCase();
}

/** What the search reads of an order: its id, when it was created and, once it has one, its contact. */
export type SearchableOrder = Pick<Order, "id" | "createdAt"> & { contact?: { name?: string } };

/** The terms an order is found by: its order number, then each distinct word of its contact name. */
export function searchTermsOf(order: SearchableOrder): string[] {
  const name = normalizeForSearch(order.contact?.name ?? "");
  const words = name === "" ? [] : name.split(" ").slice(0, maxNameTerms);
  const terms = [normalizeForSearch(orderNumberOf(order.id)), ...words].map((term) => term.slice(0, maxTermLength));
  return [...new Set(terms.filter((term) => term.length > 0))];
}

/** The stored term item: keys, and the order's whole normalized name for multi-word queries. */
export interface SearchTermRecord {
  pk: string;
  sk: string;
  entity: "searchTerm";
  orderId: string;
  gsi1pk: string;
  gsi1sk: string;
  /** Normalized order number and name, space-separated: what the other words of a query must be in. */
  words: string;
}

/** The term items of a new order, to commit in its create transaction (`Order.create`). */
export function searchIndexItems(order: SearchableOrder, tableName: string): TransactItem[] {
  const terms = searchTermsOf(order);
  const words = [normalizeForSearch(orderNumberOf(order.id)), normalizeForSearch(order.contact?.name ?? "")]
    .filter((part) => part.length > 0)
    .join(" ");
  return terms.map((term) => {
    const item: SearchTermRecord = {
      ...searchTermKey(order.id, term),
      entity: "searchTerm",
      orderId: order.id,
      gsi1pk: searchTermGsi1(term),
      gsi1sk: searchTermGsi1Sk(term, order.createdAt, order.id),
      words,
    };
    return { Put: { TableName: tableName, Item: item } };
  });
}

/** A parsed `q`: the word the key condition matches, the others the filter checks. */
export interface SearchQuery {
  keyTerm: string;
  otherWords: string[];
}

export function parseSearchQuery(q: string): SearchQuery {
  const words = normalizeForSearch(q)
    .split(" ")
    .filter((word) => word.length > 0)
    .map((word) => word.slice(0, maxTermLength));
  if (words.length === 0) throw new BadRequestError("invalid query: q: must contain a letter or a digit");
  const keyTerm = words.reduce((longest, word) => (word.length > longest.length ? word : longest));
  return { keyTerm, otherWords: [...new Set(words.filter((word) => word !== keyTerm))] };
}

/** The Query of `ordersBySearchTerm` (keys.ts) for a parsed `q`, newest first within a word. */
export function searchQueryInput(query: SearchQuery): {
  IndexName: "gsi1";
  KeyConditionExpression: string;
  FilterExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues: Record<string, string>;
  ScanIndexForward: false;
} {
  const values: Record<string, string> = { ":pk": searchTermGsi1(query.keyTerm), ":term": query.keyTerm };
  query.otherWords.forEach((word, index) => {
    values[`:w${index}`] = word;
  });
  return {
    IndexName: "gsi1",
    KeyConditionExpression: "gsi1pk = :pk AND begins_with(gsi1sk, :term)",
    ...(query.otherWords.length === 0
      ? {}
      : {
          FilterExpression: query.otherWords.map((_, index) => `contains(#words, :w${index})`).join(" AND "),
          ExpressionAttributeNames: { "#words": "words" },
        }),
    ExpressionAttributeValues: values,
    ScanIndexForward: false,
  };
}

/** The partition a search cursor must stay in. */
export function searchPartitionOf(query: SearchQuery): string {
  return searchTermGsi1(query.keyTerm);
}
