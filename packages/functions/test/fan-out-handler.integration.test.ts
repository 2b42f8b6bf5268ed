/**
 * The stream handler on its own, with real DynamoDB stream-shaped records and a real table: what
 * it reports to Lambda when delivery fails (batchItemFailures) and what it ignores.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { marshall } from "@aws-sdk/util-dynamodb";
import { tableDefinition } from "@live-orders/core/table-definition";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "@live-orders/local/config";
import { createTable } from "@live-orders/local/dynamodb/dynamodb-local";
import { runEmulators } from "@live-orders/local/testing/run-emulators";
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";

let management: Server;
let status = 200;
/** The error type a failing answer names (the status's usual one by default). */
let errorType: string | undefined;
const posted: string[] = [];

beforeAll(async () => {
  // A stand-in @connections endpoint whose answer each test sets (the real gateway is covered by
  // the end-to-end tests; here the point is the handler's reaction to each answer).
  management = createServer((req, res) => {
    posted.push(decodeURIComponent((req.url ?? "").split("/@connections/")[1] ?? ""));
    res.writeHead(status, {
      "content-type": "application/json",
      "x-amzn-errortype":
        errorType ??
        (status === 410 ? "GoneException" : status === 403 ? "ForbiddenException" : "InternalServerErrorException"),
    });
    res.end(status === 200 ? "" : JSON.stringify({ message: "x" }));
  });
  await new Promise<void>((resolve) => management.listen(0, "127.0.0.1", resolve));
  const endpoint = runEmulators().dynamoEndpoint;
  const tableName = `fanout-${Date.now()}`;
  await createTable({ endpoint, tableName, definition: tableDefinition });
  Object.assign(process.env, {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    POWERTOOLS_LOG_LEVEL: "SILENT",
    SST_RESOURCE_App: JSON.stringify({ name: "live-orders", stage: "test" }),
    SST_RESOURCE_Table: JSON.stringify({ name: tableName }),
    SST_RESOURCE_Realtime: JSON.stringify({
      url: "ws://unused",
      managementEndpoint: `http://127.0.0.1:${(management.address() as AddressInfo).port}/local`,
    }),
    LIVE_ORDERS_DYNAMODB_ENDPOINT: endpoint,
  });
});
afterAll(async () => {
  await new Promise((resolve) => management?.close(resolve));
});

afterEach(() => {
  errorType = undefined;
  vi.restoreAllMocks();
});

const context = { awsRequestId: "req-1", functionName: "fan-out" } as Context;

/** The Embedded Metric Format lines the handler printed while `run` ran. */
async function emfLinesOf(run: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    lines.push(String(chunk));
    return write(chunk, ...(rest as []));
  });
  await run();
  return lines
    .flatMap((chunk) => chunk.split("\n"))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function insertRecord(orderId: string, seq: number, sequenceNumber: string): DynamoDBRecord {
  const event = {
    kind: "chat.message",
    seq,
    orderId,
    at: new Date().toISOString(),
    messageId: "m",
    clientMessageId: "c",
    text: "hi",
    from: { userId: "u", role: "customer" },
  };
  const item = {
    pk: `ORDER#${orderId}`,
    sk: `EVENT#${String(seq).padStart(10, "0")}`,
    entity: "event",
    orderId,
    seq,
    kind: event.kind,
    event,
  };
  return {
    eventID: sequenceNumber,
    eventName: "INSERT",
    eventSource: "aws:dynamodb",
    dynamodb: {
      Keys: marshall({ pk: item.pk, sk: item.sk }) as never,
      NewImage: marshall(item) as never,
      SequenceNumber: sequenceNumber,
      StreamViewType: "NEW_AND_OLD_IMAGES",
    },
  };
}

async function subscribe(connectionId: string, orderId: string) {
  const Subscription = await import("@live-orders/core/subscription");
  await Subscription.put(
    { connectionId, connectedAt: Date.now(), identity: { userId: "u", role: "customer" } },
    `order:${orderId}`,
  );
}

describe("stream fan-out handler", () => {
  it("delivers each event to its topic and reports no failures", async () => {
    const { handler } = await import("../src/stream/fan-out");
    status = 200;
    posted.length = 0;
    await subscribe("c-ok=", "o1");
    const result = await handler(
      { Records: [insertRecord("o1", 2, "100"), insertRecord("o1", 3, "101")] } as DynamoDBStreamEvent,
      context,
    );
    expect(result).toEqual({ batchItemFailures: [] });
    expect(posted).toEqual(["c-ok=", "c-ok="]);
  });

  it("reports a record as a batch item failure when a connection keeps failing after retries", async () => {
    const { handler } = await import("../src/stream/fan-out");
    status = 500;
    posted.length = 0;
    await subscribe("c-down=", "o2");
    const result = await handler({ Records: [insertRecord("o2", 2, "200")] } as DynamoDBStreamEvent, context);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "200" }]);
    expect(posted.length).toBeGreaterThan(1); // retried
  });

  it("does not fail a record for a gone connection; it removes the connection's subscriptions", async () => {
    const { handler } = await import("../src/stream/fan-out");
    const Subscription = await import("@live-orders/core/subscription");
    status = 410;
    await subscribe("c-gone=", "o3");
    const result = await handler({ Records: [insertRecord("o3", 2, "300")] } as DynamoDBStreamEvent, context);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(await Subscription.subscriptionsOfConnection("c-gone=")).toEqual([]);
  });

  it.each([
    ["ForbiddenException", 403],
    ["InvalidSignatureException", 403],
  ])("fails the record (never drops it) when posts are refused with %s", async (name, code) => {
    const { handler } = await import("../src/stream/fan-out");
    status = code;
    errorType = name;
    posted.length = 0;
    await subscribe(`c-${name}=`, `o-${name}`);
    const result = await handler({ Records: [insertRecord(`o-${name}`, 2, "500")] } as DynamoDBStreamEvent, context);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "500" }]);
    // Not retried post by post (no retry mends our credentials): the record is retried whole.
    expect(posted).toEqual([`c-${name}=`]);
  });

  it("publishes its metrics as one EMF line per invocation: posts by outcome, failed records, duration", async () => {
    const { handler } = await import("../src/stream/fan-out");
    status = 200;
    await subscribe("c-metrics=", "o-metrics");
    const [line, ...more] = await emfLinesOf(() =>
      handler({ Records: [insertRecord("o-metrics", 2, "600")] } as DynamoDBStreamEvent, context),
    );

    expect(more).toEqual([]);
    expect(line).toMatchObject({
      service: "live-orders",
      DeliveredPosts: 1,
      GonePosts: 0,
      FailedPosts: 0,
      DroppedPosts: 0,
      FailedRecords: 0,
      FanOutBatchDuration: expect.any(Number),
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: "LiveOrders",
            Dimensions: [["service"]],
            Metrics: expect.arrayContaining([
              { Name: "DeliveredPosts", Unit: "Count" },
              { Name: "FanOutBatchDuration", Unit: "Milliseconds" },
            ]),
          },
        ],
      },
    });
  });

  it("ignores records that are not new events", async () => {
    const { handler } = await import("../src/stream/fan-out");
    status = 200;
    posted.length = 0;
    const modify = { ...insertRecord("o1", 9, "400"), eventName: "MODIFY" as const };
    const notEvent = insertRecord("o1", 10, "401");
    notEvent.dynamodb!.NewImage = marshall({ pk: "CONN#x", sk: "CONN", entity: "connection" }) as never;
    const result = await handler({ Records: [modify, notEvent] } as DynamoDBStreamEvent, context);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(posted).toEqual([]);
  });

  it("applies a status event its writer did not apply to the order item; a redelivery changes nothing", async () => {
    const { handler } = await import("../src/stream/fan-out");
    const Order = await import("@live-orders/core/order");
    const { queryOrder, tryAppendEvent } = await import("@live-orders/core/events");
    status = 200;
    const customer = { userId: "cust-repair", role: "customer" as const, username: "c" };
    const order = await Order.create(customer, {
      items: [{ sku: "PIZZA-MARG", quantity: 1 }],
      contact: { name: "C", phone: "+1 555 0100" },
      fulfilment: { type: "pickup" },
    });
    // The writer's crash: the event is committed, the order Update never ran.
    const read = await queryOrder(order.id);
    const event = {
      kind: "order.status" as const,
      seq: 2,
      orderId: order.id,
      customerId: customer.userId,
      at: new Date().toISOString(),
      from: "placed" as const,
      status: "confirmed" as const,
      version: 2,
      by: { userId: "staff-1", role: "staff" as const },
    };
    const appended = await tryAppendEvent({ orderId: order.id, head: read.head!, event });
    if (!appended.ok) throw new Error("append failed");
    expect(await Order.readOrder(order.id)).toMatchObject({ status: "placed", version: 1, seq: 1 });
    const record = insertRecord(order.id, 2, "500");
    record.dynamodb!.NewImage = marshall(appended.item) as never;
    expect(await handler({ Records: [record, record] } as DynamoDBStreamEvent, context)).toEqual({
      batchItemFailures: [],
    });
    expect(await Order.readOrder(order.id)).toMatchObject({ status: "confirmed", version: 2, seq: 2 });
  });
});
