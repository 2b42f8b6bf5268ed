/**
 * Generated malformed client frames for the fuzz test, reproducible from a seed. Every frame
 * generated here must be refused by the protocol (SPEC §4): none is a valid request, so each one
 * is owed exactly one structured error, and none may write anything.
 *
 * Two families: frames answered on the connection (`reply`), and frames API Gateway itself
 * refuses by closing the connection (`close`: a frame over 32 KB → 1009; a text frame that is
 * not UTF-8 → 1007), which need a connection each.
 */
export type MalformedFrame =
  | { kind: "reply"; family: string; data: string | Buffer; binary?: boolean; id?: string }
  | { kind: "close"; family: string; data: Buffer; binary: boolean; closeCodes: readonly number[] };

/** mulberry32: tiny, seedable, good enough to pick shapes. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const actions = ["subscribe", "unsubscribe", "sendMessage", "ping"] as const;

export function frameGenerator(seed: number, context: { foreignOrderId: string }) {
  const next = random(seed);
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const text = (length: number) => Array.from({ length }, () => String.fromCharCode(32 + int(95))).join("");
  let counter = 0;
  const id = () => `f${counter++}`;

  /** Values of the wrong type for any field. */
  const wrongValue = (): unknown =>
    pick<() => unknown>([
      () => int(1000),
      () => -1,
      () => 1.5,
      () => 1e308,
      () => null,
      () => true,
      () => [],
      () => ({}),
      () => [text(5)],
      () => ({ nested: { deeper: text(3) } }),
      () => "",
    ])();

  const deepArray = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
  const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;

  const families: Record<string, () => MalformedFrame> = {
    notJson: () => ({
      kind: "reply",
      family: "notJson",
      data: pick([
        () => text(1 + int(40)),
        () => `{"action":"subscribe","topic":"orders"`,
        () => `{action: "ping"}`,
        () => "",
        () => "   ",
        () => `{"action":"ping",}`,
        () => `'{"action":"ping"}'`,
        () => "NaN",
        () => `{"action":"ping"}{"action":"ping"}`,
      ])(),
    }),
    notAnObject: () => ({
      kind: "reply",
      family: "notAnObject",
      data: JSON.stringify(pick([0, -5, "ping", [], [{ action: "ping" }], null, true, 1e21])),
    }),
    unknownAction: () => {
      const frameId = id();
      return {
        kind: "reply",
        family: "unknownAction",
        id: frameId,
        data: JSON.stringify({
          action: pick([
            "Subscribe",
            "PING",
            "delete",
            "$connect",
            "$disconnect",
            "$default",
            "toString",
            "hasOwnProperty",
            text(8),
          ]),
          id: frameId,
        }),
      };
    },
    actionNotString: () => ({
      kind: "reply",
      family: "actionNotString",
      data: JSON.stringify({ action: wrongValue(), topic: "orders" }),
    }),
    wrongTypes: () => {
      const frameId = id();
      const action = pick(actions);
      const frame: Record<string, unknown> =
        action === "subscribe"
          ? pick([
              { topic: wrongValue() },
              {
                topic: pick([
                  "order:",
                  "orders:x",
                  "order:a/b",
                  "order:../x",
                  "ORDERS",
                  `order:${"x".repeat(65)}`,
                  "order:é",
                ]),
              },
              { topic: "orders", since: pick([-1, 1.5, "3", null, 1e12, [] as unknown]) },
              {},
            ])
          : action === "unsubscribe"
            ? pick([{ topic: wrongValue() }, {}, { topic: "order:" }])
            : action === "sendMessage"
              ? pick([
                  { orderId: wrongValue(), text: "hi", clientMessageId: "c1" },
                  { orderId: context.foreignOrderId, text: wrongValue(), clientMessageId: "c1" },
                  {
                    orderId: context.foreignOrderId,
                    text: "hi",
                    clientMessageId: pick(["", "has space", "ü", "x".repeat(129), 5 as unknown]),
                  },
                  { orderId: context.foreignOrderId, text: "hi" },
                  { text: "hi", clientMessageId: "c1" },
                ])
              : { id: pick([5, null, true, [], {}, "x".repeat(129)]) };
      // `ping` is only malformed through its id: leave that one's id as generated above.
      const withId = action === "ping" ? { action, ...frame } : { action, id: frameId, ...frame };
      return {
        kind: "reply",
        family: "wrongTypes",
        data: JSON.stringify(withId),
        id: action === "ping" ? undefined : frameId,
      };
    },
    oversizeText: () => {
      const frameId = id();
      return {
        kind: "reply",
        family: "oversizeText",
        id: frameId,
        data: JSON.stringify({
          action: "sendMessage",
          id: frameId,
          orderId: context.foreignOrderId,
          text: "é".repeat(2001 + int(3000)),
          clientMessageId: "big",
        }),
      };
    },
    hugeAndNested: () =>
      pick<() => MalformedFrame>([
        () => ({ kind: "reply", family: "hugeAndNested", data: deepArray(500 + int(5000)) }),
        () => ({
          kind: "reply",
          family: "hugeAndNested",
          data: `{"action":"subscribe","topic":${deepObject(200 + int(2000))}}`,
        }),
        () => ({
          kind: "reply",
          family: "hugeAndNested",
          data: JSON.stringify({ action: "ping", id: { a: Array.from({ length: 2000 }, (_, i) => i) } }),
        }),
        () => ({
          kind: "reply",
          family: "hugeAndNested",
          data: JSON.stringify({ action: "subscribe", topic: "x".repeat(20_000 + int(10_000)) }),
        }),
        () => ({ kind: "reply", family: "hugeAndNested", data: `{"action":"ping","id":${"9".repeat(400)}}` }),
      ])(),
    prototypePollution: () => {
      const frameId = id();
      return {
        kind: "reply",
        family: "prototypePollution",
        id: frameId,
        data: pick([
          `{"action":"subscribe","id":"${frameId}","__proto__":{"topic":"orders"}}`,
          `{"action":"ping","id":"${frameId}","__proto__":{"isAdmin":true}}`,
          `{"action":"sendMessage","id":"${frameId}","orderId":"${context.foreignOrderId}","text":"x","clientMessageId":"p","__proto__":{}}`,
          `{"action":"subscribe","id":"${frameId}","topic":"orders","constructor":{"prototype":{"role":"staff"}},"__proto__":null}`,
          `{"action":"unsubscribe","id":"${frameId}","topic":{"__proto__":{"toString":1}}}`,
        ]),
      };
    },
    foreignOrder: () => {
      const frameId = id();
      // Well-formed, but about an order this customer may not see: NOT_FOUND, nothing written.
      return {
        kind: "reply",
        family: "foreignOrder",
        id: frameId,
        data: JSON.stringify(
          pick([
            { action: "subscribe", id: frameId, topic: `order:${context.foreignOrderId}`, since: int(5) },
            { action: "subscribe", id: frameId, topic: "orders" },
            {
              action: "sendMessage",
              id: frameId,
              orderId: context.foreignOrderId,
              text: "not yours",
              clientMessageId: `x${int(1e6)}`,
            },
            { action: "subscribe", id: frameId, topic: `order:nope${int(1e6)}` },
          ]),
        ),
      };
    },
    binary: () => ({
      kind: "reply",
      family: "binary",
      binary: true,
      data: Buffer.from(Array.from({ length: 1 + int(64) }, () => int(256))),
    }),
  };

  const closing: Record<string, () => MalformedFrame> = {
    oversizeFrame: () => ({
      kind: "close",
      family: "oversizeFrame",
      binary: false,
      data: Buffer.from(JSON.stringify({ action: "sendMessage", text: "x".repeat(33 * 1024 + int(60_000)) })),
      closeCodes: [1009],
    }),
    invalidUtf8: () => ({
      kind: "close",
      family: "invalidUtf8",
      binary: false,
      data: Buffer.concat([
        Buffer.from('{"action":"ping","id":"'),
        Buffer.from(pick([[0xc3, 0x28], [0xff], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]])),
        Buffer.from('"}'),
      ]),
      closeCodes: [1007],
    }),
  };

  const replyFamilies = Object.keys(families);
  return {
    reply: (): MalformedFrame => (families[pick(replyFamilies)] as () => MalformedFrame)(),
    close: (): MalformedFrame => (closing[pick(Object.keys(closing))] as () => MalformedFrame)(),
  };
}
