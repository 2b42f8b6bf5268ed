import type { DynamoDBRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { firstFailedIndex } from "./stream-poller";
import { compareSequenceNumbers, toLambdaRecord, withRegion } from "./stream-records";

const records: DynamoDBRecord[] = ["100", "200", "300"].map((n) => ({ dynamodb: { SequenceNumber: n } }));

describe("firstFailedIndex (ReportBatchItemFailures)", () => {
  it.each<[string, unknown, number | undefined]>([
    ["no response", undefined, undefined],
    ["null response", null, undefined],
    ["empty object", {}, undefined],
    ["null batchItemFailures", { batchItemFailures: null }, undefined],
    ["empty batchItemFailures", { batchItemFailures: [] }, undefined],
    ["one failure", { batchItemFailures: [{ itemIdentifier: "200" }] }, 1],
    ["the lowest of several", { batchItemFailures: [{ itemIdentifier: "300" }, { itemIdentifier: "200" }] }, 1],
    ["an empty identifier: whole batch", { batchItemFailures: [{ itemIdentifier: "" }] }, 0],
    ["a null identifier: whole batch", { batchItemFailures: [{ itemIdentifier: null }] }, 0],
    ["a wrong key name: whole batch", { batchItemFailures: [{ itemId: "200" }] }, 0],
    ["an identifier not in the batch: whole batch", { batchItemFailures: [{ itemIdentifier: "999" }] }, 0],
    ["batchItemFailures not a list: whole batch", { batchItemFailures: "200" }, 0],
  ])("%s → %s", (_name, response, expected) => {
    expect(firstFailedIndex(response, records)).toBe(expected);
  });
});

describe("toLambdaRecord", () => {
  it("writes the JSON wire shape Lambda delivers", () => {
    const record = toLambdaRecord(
      {
        eventID: "e1",
        eventName: "REMOVE",
        eventVersion: "1.1",
        eventSource: "aws:dynamodb",
        awsRegion: "ddblocal",
        userIdentity: { Type: "Service", PrincipalId: "dynamodb.amazonaws.com" },
        dynamodb: {
          ApproximateCreationDateTime: new Date("2026-01-02T03:04:05.678Z"),
          Keys: { pk: { S: "a" } },
          OldImage: {
            pk: { S: "a" },
            b: { B: new Uint8Array([255]) },
            bs: { BS: [new Uint8Array([1])] },
            l: { L: [{ N: "1" }] },
          },
          SequenceNumber: "1",
          SizeBytes: 9,
          StreamViewType: "NEW_AND_OLD_IMAGES",
        },
      },
      { streamArn: "arn:aws:dynamodb:ddblocal:000000000000:table/t/stream/x", region: "eu-west-1" },
    );

    expect(record).toEqual({
      eventID: "e1",
      eventName: "REMOVE",
      eventVersion: "1.1",
      eventSource: "aws:dynamodb",
      awsRegion: "eu-west-1",
      eventSourceARN: "arn:aws:dynamodb:eu-west-1:000000000000:table/t/stream/x",
      userIdentity: { type: "Service", principalId: "dynamodb.amazonaws.com" },
      dynamodb: {
        ApproximateCreationDateTime: 1767323045,
        Keys: { pk: { S: "a" } },
        OldImage: { pk: { S: "a" }, b: { B: "/w==" }, bs: { BS: ["AQ=="] }, l: { L: [{ N: "1" }] } },
        SequenceNumber: "1",
        SizeBytes: 9,
        StreamViewType: "NEW_AND_OLD_IMAGES",
      },
    });
  });

  it("leaves a real region's ARN alone", () => {
    expect(withRegion("arn:aws:dynamodb:us-east-1:1:table/t/stream/x", "eu-west-1")).toBe(
      "arn:aws:dynamodb:us-east-1:1:table/t/stream/x",
    );
  });

  it("compares sequence numbers numerically", () => {
    expect(compareSequenceNumbers("9", "10")).toBe(-1);
    expect(compareSequenceNumbers("000000000000000000012", "12")).toBe(0);
  });
});
