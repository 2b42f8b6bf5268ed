import { describe, expect, it } from "vitest";
import { AppError } from "./errors";
import { menu } from "./menu";
import type { ClientAction } from "./protocol";
import {
  decodeFrame,
  defaultRouteError,
  maxBodyBytes,
  parseCancel,
  parseCreateOrder,
  parseEventsQuery,
  parseListOrders,
  parseUpdateStatus,
  validateFrame,
} from "./validation";

/** The code a raw message gets on a route: decode then validate, as the session does. */
function codeOf(raw: string | undefined, action: ClientAction): string | undefined {
  try {
    const decoded = decodeFrame(raw);
    if (decoded.rejection !== undefined) throw decoded.rejection;
    validateFrame(decoded.value, action);
    return undefined;
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return error.code;
  }
}

describe("WebSocket frames", () => {
  it("accepts every well-formed frame", () => {
    expect(validateFrame({ action: "subscribe", topic: "order:abc-1", since: 3, id: "1" }, "subscribe")).toEqual({
      action: "subscribe",
      topic: "order:abc-1",
      since: 3,
      id: "1",
    });
    expect(validateFrame({ action: "subscribe", topic: "orders" }, "subscribe").topic).toBe("orders");
    expect(validateFrame({ action: "unsubscribe", topic: "orders" }, "unsubscribe").action).toBe("unsubscribe");
    expect(
      validateFrame({ action: "sendMessage", orderId: "o1", text: "hi 👋", clientMessageId: "c-1" }, "sendMessage")
        .text,
    ).toBe("hi 👋");
    expect(validateFrame({ action: "ping" }, "ping")).toEqual({ action: "ping" });
  });

  it("answers wrong types with BAD_REQUEST naming the field", () => {
    try {
      validateFrame({ action: "subscribe", topic: "order:x", since: "3" }, "subscribe");
      expect.unreachable();
    } catch (error) {
      expect((error as AppError).code).toBe("BAD_REQUEST");
      expect((error as AppError).message).toContain("since");
    }
    expect(codeOf('{"action":"subscribe","topic":"order:../x"}', "subscribe")).toBe("BAD_REQUEST");
    expect(codeOf('{"action":"subscribe","topic":"ORDERS"}', "subscribe")).toBe("BAD_REQUEST");
    expect(codeOf('{"action":"subscribe","topic":"order:x","since":-1}', "subscribe")).toBe("BAD_REQUEST");
    expect(codeOf('{"action":"subscribe","topic":"order:x","since":1.5}', "subscribe")).toBe("BAD_REQUEST");
    expect(codeOf('{"action":"subscribe","topic":"order:x","since":9999999999}', "subscribe")).toBe("BAD_REQUEST");
    expect(codeOf('{"action":"sendMessage","orderId":"o","text":5,"clientMessageId":"c"}', "sendMessage")).toBe(
      "BAD_REQUEST",
    );
    expect(codeOf('{"action":"sendMessage","orderId":"o","text":"   ","clientMessageId":"c"}', "sendMessage")).toBe(
      "BAD_REQUEST",
    );
    expect(
      codeOf('{"action":"sendMessage","orderId":"o","text":"x","clientMessageId":"has space"}', "sendMessage"),
    ).toBe("BAD_REQUEST");
    expect(codeOf('{"action":"sendMessage","orderId":"o","text":"x"}', "sendMessage")).toBe("BAD_REQUEST");
    expect(codeOf('{"action":"ping","id":42}', "ping")).toBe("BAD_REQUEST");
  });

  it("answers a chat text over 2000 characters with PAYLOAD_TOO_LARGE, counting emoji as one", () => {
    const frame = (text: string) => JSON.stringify({ action: "sendMessage", orderId: "o", text, clientMessageId: "c" });
    expect(codeOf(frame("x".repeat(2000)), "sendMessage")).toBeUndefined();
    expect(codeOf(frame("👋".repeat(2000)), "sendMessage")).toBeUndefined();
    expect(codeOf(frame("x".repeat(2001)), "sendMessage")).toBe("PAYLOAD_TOO_LARGE");
    expect(codeOf(JSON.stringify({ action: "ping", pad: "x".repeat(maxBodyBytes) }), "ping")).toBe("PAYLOAD_TOO_LARGE");
  });

  it("normalizes chat text to NFC and refuses NUL, lone surrogates, bidi controls and invisible-only text", () => {
    const frame = (text: string) => ({ action: "sendMessage", orderId: "o", text, clientMessageId: "c" });
    expect(validateFrame(frame("cafe\u0301"), "sendMessage").text).toBe("caf\u00e9");
    expect(validateFrame(frame("مرحبا، שלום"), "sendMessage").text).toBe("مرحبا، שלום");
    const refused = (text: string) => {
      try {
        validateFrame(frame(text), "sendMessage");
      } catch (error) {
        return `${(error as AppError).code} ${(error as AppError).message}`;
      }
      return "accepted";
    };
    expect(refused("a\u0000b")).toBe("BAD_REQUEST invalid sendMessage frame: text: must not contain NUL characters");
    expect(refused("\ud83d")).toBe(
      "BAD_REQUEST invalid sendMessage frame: text: must not contain broken characters (lone surrogates)",
    );
    for (const control of ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"])
      expect(refused(`pay \u0024${control}10`)).toBe(
        "BAD_REQUEST invalid sendMessage frame: text: must not contain bidirectional override or isolate characters",
      );
    for (const blank of ["\u200b", "\u200b\u200c\u200d\u2060\ufeff", " \t\n", "\u3164"])
      expect(refused(blank)).toBe(
        "BAD_REQUEST invalid sendMessage frame: text: must not be empty or only spaces and invisible characters",
      );
    expect(refused("line one\nline two\ttabbed")).toBe("accepted");
    expect(refused("\u0007bell")).toBe(
      "BAD_REQUEST invalid sendMessage frame: text: must not contain control characters",
    );
  });

  it("rejects __proto__ keys anywhere with BAD_REQUEST", () => {
    expect(codeOf('{"action":"ping","__proto__":{"admin":true}}', "ping")).toBe("BAD_REQUEST");
    expect(codeOf('{"action":"subscribe","topic":"orders","x":{"y":[{"__proto__":1}]}}', "subscribe")).toBe(
      "BAD_REQUEST",
    );
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it("keeps the id of a decodable frame for the error reply", () => {
    expect(decodeFrame('{"action":"ping","id":"abc"}').frameId).toBe("abc");
    expect(decodeFrame('{"action":"ping","id":7}').frameId).toBeUndefined();
    expect(decodeFrame('{"action":"ping","id":"p","__proto__":{}}')).toMatchObject({
      frameId: "p",
      rejection: { code: "BAD_REQUEST" },
    });
    expect(defaultRouteError('{"action":"dance","id":"q1"}')).toMatchObject({ frameId: "q1" });
  });

  it("answers $default with UNKNOWN_ACTION for a named action and BAD_REQUEST otherwise", () => {
    const code = (raw: string | undefined) => (defaultRouteError(raw).error as AppError).code;
    expect(code('{"action":"dance"}')).toBe("UNKNOWN_ACTION");
    expect(code("not json")).toBe("BAD_REQUEST");
    expect(code("[1,2]")).toBe("BAD_REQUEST");
    expect(code("null")).toBe("BAD_REQUEST");
    expect(code('{"no":"action"}')).toBe("BAD_REQUEST");
    expect(code('{"action":5}')).toBe("BAD_REQUEST");
    expect(code(undefined)).toBe("BAD_REQUEST");
    expect(code("x".repeat(maxBodyBytes + 1))).toBe("PAYLOAD_TOO_LARGE");
  });

  it("never throws anything but an AppError for random garbage (fuzz)", () => {
    // Deterministic pseudo-random generator so a failure reproduces.
    let state = 12345;
    const random = () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    const pieces = [
      "{",
      "}",
      "[",
      "]",
      '"action"',
      ":",
      ",",
      '"subscribe"',
      '"sendMessage"',
      '"ping"',
      '"topic"',
      '"orders"',
      '"order:x"',
      '"since"',
      "1",
      "-1",
      "1e309",
      "null",
      "true",
      '"__proto__"',
      '"text"',
      '"\\u0000"',
      '"clientMessageId"',
      '"orderId"',
      '"id"',
      " ",
      "\\",
      '"',
      "💥",
      "9999999999999999999",
    ];
    const actions: ClientAction[] = ["subscribe", "unsubscribe", "sendMessage", "ping"];
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const length = 1 + Math.floor(random() * 14);
      let raw = "";
      for (let j = 0; j < length; j++) raw += pieces[Math.floor(random() * pieces.length)];
      const action = actions[i % actions.length] as ClientAction;
      const code = codeOf(raw, action);
      if (code === undefined) accepted += 1;
      else expect(["BAD_REQUEST", "UNKNOWN_ACTION", "PAYLOAD_TOO_LARGE"]).toContain(code);
      expect(["BAD_REQUEST", "UNKNOWN_ACTION", "PAYLOAD_TOO_LARGE"]).toContain(
        (defaultRouteError(raw).error as AppError).code,
      );
    }
    expect(accepted).toBeLessThan(3000);
  });
});

describe("REST bodies", () => {
  const body = {
    items: [
      { sku: menu.margherita.sku, quantity: 2 },
      { sku: menu.lemonade.sku, quantity: 1 },
    ],
    note: "n",
    contact: { name: "Alice", phone: "+44 20 7946 0000" },
    fulfilment: { type: "delivery", address: "1 Main Street" },
  };
  const problems = (value: unknown) => {
    try {
      parseCreateOrder(JSON.stringify(value));
    } catch (error) {
      expect((error as AppError).code).toBe("BAD_REQUEST");
      return Object.fromEntries(
        ((error as AppError).details as { path: string; message: string }[]).map((d) => [d.path, d.message]),
      );
    }
    return expect.unreachable("accepted");
  };

  it("accepts a valid order and reports each wrong field", () => {
    expect(parseCreateOrder(JSON.stringify(body))).toEqual(body);
    expect(parseCreateOrder(JSON.stringify({ ...body, fulfilment: { type: "pickup" } })).fulfilment).toEqual({
      type: "pickup",
    });
    expect(
      Object.keys(problems({ ...body, items: [{ sku: menu.margherita.sku, quantity: 0 }, { sku: 5 }] })).sort(),
    ).toEqual(["items.0.quantity", "items.1.quantity", "items.1.sku"]);
    expect(() => parseCreateOrder(JSON.stringify({ ...body, items: [] }))).toThrow(/items/);
    expect(() => parseCreateOrder("{")).toThrow(/not valid JSON/);
    expect(() => parseCreateOrder(undefined)).toThrow(/empty/);
    expect(() => parseCreateOrder('{"items":[],"__proto__":{}}')).toThrow(/__proto__/);
  });

  it("takes a sku and a quantity per line, never a price: an unknown sku, a quantity outside 1–50, more than 50 lines", () => {
    // A client-set price is not part of the line: it is dropped, the menu's is charged (order.ts).
    expect(
      parseCreateOrder(JSON.stringify({ ...body, items: [{ sku: menu.salad.sku, quantity: 1, unitPriceCents: 0 }] }))
        .items,
    ).toEqual([{ sku: menu.salad.sku, quantity: 1 }]);
    expect(problems({ ...body, items: [{ sku: "PIZZA-FREE", quantity: 1 }] })).toEqual({
      "items.0.sku": 'unknown sku "PIZZA-FREE": it is not on the menu (GET /menu)',
    });
    expect(problems({ ...body, items: [{ sku: menu.margherita.sku, quantity: 999 }] })).toEqual({
      "items.0.quantity": "Too big: expected number to be <=50",
    });
    expect(problems({ ...body, items: [{ sku: menu.margherita.sku, quantity: 0 }] })).toEqual({
      "items.0.quantity": "Too small: expected number to be >=1",
    });
    const lines = Array.from({ length: 51 }, () => ({ sku: menu.lemonade.sku, quantity: 1 }));
    expect(problems({ ...body, items: lines })).toEqual({ items: "Too big: expected array to have <=50 items" });
    expect(problems({ ...body, items: [body.items[0], body.items[0]] })).toEqual({
      items: "each sku may appear once: set its quantity instead",
    });
  });

  it("requires the contact, and an address for a delivery, saying so", () => {
    const { contact: _contact, ...noContact } = body;
    expect(problems(noContact)).toEqual({ contact: "is required" });
    expect(problems({ ...body, contact: { name: "Alice" } })).toEqual({ "contact.phone": "is required" });
    expect(problems({ ...body, contact: { name: " ", phone: "12" } })).toEqual({
      "contact.name": "must not be empty or only spaces and invisible characters",
      "contact.phone": "must have 6 to 20 digits, written with digits, spaces and + ( ) - . only",
    });
    expect(problems({ ...body, fulfilment: { type: "delivery" } })).toEqual({ "fulfilment.address": "is required" });
    expect(problems({ ...body, fulfilment: { type: "drone" } })).toEqual({
      "fulfilment.type": 'Invalid option: expected one of "pickup"|"delivery"',
    });
    const { fulfilment: _fulfilment, ...noFulfilment } = body;
    expect(problems(noFulfilment)).toEqual({ fulfilment: "is required (pickup, or delivery with an address)" });
  });

  it("stores typed text as NFC without surrounding spaces, and refuses what cannot be shown honestly", () => {
    const decomposed = "Zoe\u0301 ";
    const parsed = parseCreateOrder(
      JSON.stringify({ ...body, note: "  cafe\u0301 ", contact: { name: decomposed, phone: " 0123 456 " } }),
    );
    expect(parsed.note).toBe("caf\u00e9");
    expect(parsed.contact).toEqual({ name: "Zo\u00e9", phone: "0123 456" });
    expect(problems({ ...body, note: "a\u0000b" })).toEqual({ note: "must not contain NUL characters" });
    expect(problems({ ...body, note: "\u200b\u200d \ufeff" })).toEqual({
      note: "must not be empty or only spaces and invisible characters",
    });
    expect(problems({ ...body, fulfilment: { type: "delivery", address: "Main St \u202e1 tinU" } })).toEqual({
      "fulfilment.address": "must not contain bidirectional override or isolate characters",
    });
    expect(problems({ ...body, contact: { name: "A\ud800", phone: "0123456" } })).toEqual({
      "contact.name": "must not contain broken characters (lone surrogates)",
    });
  });

  it("parses status changes and an optional cancel body", () => {
    expect(parseUpdateStatus('{"status":"confirmed","version":1}')).toEqual({ status: "confirmed", version: 1 });
    expect(() => parseUpdateStatus('{"status":"eaten","version":1}')).toThrow(/status/);
    expect(() => parseUpdateStatus('{"status":"confirmed"}')).toThrow(/version/);
    expect(parseCancel(undefined)).toEqual({});
    expect(parseCancel("")).toEqual({});
    expect(parseCancel('{"version":3}')).toEqual({ version: 3 });
  });

  it("parses query strings strictly", () => {
    expect(parseListOrders({ status: "placed", limit: "10" })).toEqual({ status: "placed", limit: 10 });
    expect(parseListOrders(null)).toEqual({});
    expect(() => parseListOrders({ limit: "1e3" })).toThrow(/limit/);
    expect(() => parseListOrders({ limit: "0" })).toThrow(/limit/);
    expect(parseEventsQuery({ since: "12" })).toEqual({ since: 12 });
    expect(parseEventsQuery({ since: "9999999998" })).toEqual({ since: 9_999_999_998 });
    expect(() => parseEventsQuery({ since: "9999999999" })).toThrow(/since/);
    expect(parseEventsQuery(undefined)).toEqual({ since: 0 });
    expect(() => parseEventsQuery({ since: "-1" })).toThrow(/since/);
  });
});
