/**
 * The one DynamoDB client of the app. Nothing else constructs one: the endpoint override for
 * DynamoDB Local lives here and only here.
 *
 * It reads as the SDK's document client (`dynamo().send(new PutCommand({...}))`, `paginateQuery`),
 * with the document client's inputs and outputs (types from `@aws-sdk/lib-dynamodb`, plain JS
 * values in and out, `undefined` attributes dropped: attribute-values.ts, util-dynamodb's
 * conversions for the types the app stores), over the lean wire client of
 * dynamo-client.ts: the SDK client would be ~320 KB of every bundle (docs/benchmarks.md,
 * "Bundles"). Errors stay the SDK's: a failed condition's `Item` and a cancelled transaction's
 * `CancellationReasons[].Item` are left in DynamoDB's attribute-value form, as lib-dynamodb
 * leaves them.
 */
import type {
  BatchGetCommandInput,
  BatchGetCommandOutput,
  BatchWriteCommandInput,
  BatchWriteCommandOutput,
  DeleteCommandInput,
  DeleteCommandOutput,
  GetCommandInput,
  GetCommandOutput,
  PutCommandInput,
  PutCommandOutput,
  QueryCommandInput,
  QueryCommandOutput,
  TransactWriteCommandInput,
  TransactWriteCommandOutput,
  UpdateCommandInput,
  UpdateCommandOutput,
} from "@aws-sdk/lib-dynamodb";
import { marshall, unmarshall } from "./attribute-values";
import { dynamoDbEndpoint, tableName } from "./config";
import { type DynamoOperation, DynamoWireClient } from "./dynamo-client";

// biome-ignore lint/suspicious/noExplicitAny: DynamoDB's attribute-value JSON, as it goes on the wire.
type Wire = Record<string, any>;
type Doc = Record<string, unknown>;

const toWire = (value: Doc | undefined): Wire | undefined => (value === undefined ? undefined : marshall(value));
const fromWire = (value: Wire | undefined): Doc | undefined => (value === undefined ? undefined : unmarshall(value));
const mapValues = <T, U>(record: Record<string, T> | undefined, f: (value: T) => U): Record<string, U> | undefined =>
  record === undefined ? undefined : Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v)]));

/** Marshal the document-valued members of a single-item request (Key, Item, ExpressionAttributeValues…). */
function itemRequest(input: Wire): Wire {
  return {
    ...input,
    Key: toWire(input.Key),
    Item: toWire(input.Item),
    ExclusiveStartKey: toWire(input.ExclusiveStartKey),
    ExpressionAttributeValues: toWire(input.ExpressionAttributeValues),
  };
}

/** Unmarshal the document-valued members of a response. */
function itemResponse(output: Wire): Wire {
  const { Item, Items, Attributes, LastEvaluatedKey, ...rest } = output;
  return {
    ...rest,
    ...(Item !== undefined && { Item: fromWire(Item) }),
    ...(Items !== undefined && { Items: (Items as Wire[]).map((item) => fromWire(item)) }),
    ...(Attributes !== undefined && { Attributes: fromWire(Attributes) }),
    ...(LastEvaluatedKey !== undefined && { LastEvaluatedKey: fromWire(LastEvaluatedKey) }),
  };
}

const writeRequest = (request: Wire): Wire => ({
  ...(request.PutRequest && { PutRequest: { Item: toWire(request.PutRequest.Item) } }),
  ...(request.DeleteRequest && { DeleteRequest: { Key: toWire(request.DeleteRequest.Key) } }),
});

/**
 * How an operation's document input becomes the wire's, and the wire's output the document's.
 * Each command carries its own, so a bundle holds only the codecs of the commands it sends.
 */
interface Codec {
  request(input: Wire): Wire;
  response(output: Wire): Wire;
}

/** The single-item operations and Query. */
const itemCodec: Codec = { request: itemRequest, response: itemResponse };

const transactWriteCodec: Codec = {
  request: (input) => ({
    ...input,
    TransactItems: (input.TransactItems as Wire[]).map((item) =>
      Object.fromEntries(Object.entries(item).map(([kind, request]) => [kind, itemRequest(request as Wire)])),
    ),
  }),
  response: (output) => output,
};

const batchGetCodec: Codec = {
  request: (input) => ({
    ...input,
    RequestItems: mapValues(input.RequestItems as Record<string, Wire>, (request) => ({
      ...request,
      Keys: (request.Keys as Doc[]).map((key) => toWire(key)),
    })),
  }),
  response: (output) => ({
    ...output,
    Responses: mapValues(output.Responses as Record<string, Wire[]> | undefined, (items) =>
      items.map((item) => fromWire(item)),
    ),
    UnprocessedKeys: mapValues(output.UnprocessedKeys as Record<string, Wire> | undefined, (request) => ({
      ...request,
      Keys: (request.Keys as Wire[]).map((key) => fromWire(key)),
    })),
  }),
};

const batchWriteCodec: Codec = {
  request: (input) => ({
    ...input,
    RequestItems: mapValues(input.RequestItems as Record<string, Wire[]>, (requests) => requests.map(writeRequest)),
  }),
  response: (output) => ({
    ...output,
    UnprocessedItems: mapValues(output.UnprocessedItems as Record<string, Wire[]> | undefined, (requests) =>
      requests.map((request) => ({
        ...(request.PutRequest && { PutRequest: { Item: fromWire(request.PutRequest.Item) } }),
        ...(request.DeleteRequest && { DeleteRequest: { Key: fromWire(request.DeleteRequest.Key) } }),
      })),
    ),
  }),
};

/** One request to the table, as the document client's command of the same name. */
export abstract class TableCommand<Input extends object, Output> {
  declare readonly output: Output;
  constructor(
    readonly operation: DynamoOperation,
    readonly input: Input,
    readonly codec: Codec = itemCodec,
  ) {}
}

export class GetCommand extends TableCommand<GetCommandInput, GetCommandOutput> {
  constructor(input: GetCommandInput) {
    super("GetItem", input);
  }
}
export class PutCommand extends TableCommand<PutCommandInput, PutCommandOutput> {
  constructor(input: PutCommandInput) {
    super("PutItem", input);
  }
}
export class UpdateCommand extends TableCommand<UpdateCommandInput, UpdateCommandOutput> {
  constructor(input: UpdateCommandInput) {
    super("UpdateItem", input);
  }
}
export class DeleteCommand extends TableCommand<DeleteCommandInput, DeleteCommandOutput> {
  constructor(input: DeleteCommandInput) {
    super("DeleteItem", input);
  }
}
export class QueryCommand extends TableCommand<QueryCommandInput, QueryCommandOutput> {
  constructor(input: QueryCommandInput) {
    super("Query", input);
  }
}
export class TransactWriteCommand extends TableCommand<TransactWriteCommandInput, TransactWriteCommandOutput> {
  constructor(input: TransactWriteCommandInput) {
    super("TransactWriteItems", input, transactWriteCodec);
  }
}
export class BatchGetCommand extends TableCommand<BatchGetCommandInput, BatchGetCommandOutput> {
  constructor(input: BatchGetCommandInput) {
    super("BatchGetItem", input, batchGetCodec);
  }
}
export class BatchWriteCommand extends TableCommand<BatchWriteCommandInput, BatchWriteCommandOutput> {
  constructor(input: BatchWriteCommandInput) {
    super("BatchWriteItem", input, batchWriteCodec);
  }
}

export class TableClient {
  constructor(private readonly wire: DynamoWireClient) {}

  async send<Input extends object, Output>(command: TableCommand<Input, Output>): Promise<Output> {
    const { operation, codec } = command;
    const output = await this.wire.call(operation, codec.request(command.input as Wire));
    return codec.response(output) as Output;
  }

  destroy(): void {
    this.wire.destroy();
  }
}

/** Every page of a Query, following `LastEvaluatedKey` (the SDK's `paginateQuery`, `pageSize` as its `Limit`). */
export async function* paginateQuery(
  config: { client: TableClient; pageSize?: number },
  input: QueryCommandInput,
): AsyncGenerator<QueryCommandOutput> {
  let startKey = input.ExclusiveStartKey;
  do {
    const page = await config.client.send(
      new QueryCommand({
        ...input,
        ...(config.pageSize !== undefined && { Limit: config.pageSize }),
        ...(startKey !== undefined && { ExclusiveStartKey: startKey }),
      }),
    );
    yield page;
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
}

let client: TableClient | undefined;

/** The table's client, built once per process (its keep-alive connections are reused across invocations). */
export function dynamo(): TableClient {
  client ??= new TableClient(new DynamoWireClient({ endpoint: dynamoDbEndpoint() }));
  return client;
}

/** The table every entity lives in. */
export function table(): string {
  return tableName();
}

export type { BatchWriteCommandInput, QueryCommandInput, TransactWriteCommandInput } from "@aws-sdk/lib-dynamodb";
