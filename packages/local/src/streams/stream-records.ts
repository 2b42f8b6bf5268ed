import type { AttributeValue as SdkAttributeValue, _Record as SdkRecord } from "@aws-sdk/client-dynamodb-streams";
import type { AttributeValue, DynamoDBRecord, StreamRecord } from "aws-lambda";

/**
 * Turns a GetRecords record (as the SDK deserialises it) into the record Lambda delivers in a
 * `DynamoDBStreamEvent`: the JSON wire shape, i.e. binary as base64 strings and
 * `ApproximateCreationDateTime` as epoch seconds (the SDK gives Uint8Array and Date), lower-case
 * `userIdentity` keys, plus `eventSourceARN` (the stream ARN), which GetRecords does not carry.
 *
 * DynamoDB Local reports its region as "ddblocal" (in `awsRegion` and in ARNs); a real region
 * replaces it so code that reads either sees what it would on AWS.
 */
export function toLambdaRecord(record: SdkRecord, o: { streamArn: string; region: string }): DynamoDBRecord {
  const stream = record.dynamodb ?? {};
  const dynamodb: StreamRecord = {};
  if (stream.ApproximateCreationDateTime !== undefined) {
    dynamodb.ApproximateCreationDateTime = Math.floor(new Date(stream.ApproximateCreationDateTime).getTime() / 1000);
  }
  if (stream.Keys) dynamodb.Keys = toImage(stream.Keys);
  if (stream.NewImage) dynamodb.NewImage = toImage(stream.NewImage);
  if (stream.OldImage) dynamodb.OldImage = toImage(stream.OldImage);
  if (stream.SequenceNumber !== undefined) dynamodb.SequenceNumber = stream.SequenceNumber;
  if (stream.SizeBytes !== undefined) dynamodb.SizeBytes = stream.SizeBytes;
  if (stream.StreamViewType !== undefined) dynamodb.StreamViewType = stream.StreamViewType;
  const lambdaRecord: DynamoDBRecord = {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion ?? "1.1",
    eventSource: record.eventSource ?? "aws:dynamodb",
    awsRegion: o.region,
    dynamodb,
    eventSourceARN: withRegion(o.streamArn, o.region),
  };
  if (record.userIdentity) {
    // TTL deletions: {"type":"Service","principalId":"dynamodb.amazonaws.com"} in Lambda's event.
    lambdaRecord.userIdentity = { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId };
  }
  return lambdaRecord;
}

export function withRegion(arn: string, region: string): string {
  return arn.replace(/^arn:aws:dynamodb:ddblocal:/, `arn:aws:dynamodb:${region}:`);
}

function toImage(image: Record<string, SdkAttributeValue>): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [key, value] of Object.entries(image)) out[key] = toAttributeValue(value);
  return out;
}

function toAttributeValue(value: SdkAttributeValue): AttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.L !== undefined) return { L: value.L.map(toAttributeValue) };
  if (value.M !== undefined) return { M: toImage(value.M) };
  throw new Error(`unknown attribute value ${JSON.stringify(value)}`);
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64");
}

/** Stream sequence numbers are decimal strings of up to 40 digits; compare them as numbers. */
export function compareSequenceNumbers(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
