import { describe, expect, it } from "vitest";
import { alarmSubscriptionFor, emailConfigurationFor } from "../stage-settings";

const account = { partition: "aws", region: "eu-west-1", accountId: "123456789012" };

describe("CognitoSesIdentity", () => {
  it("leaves the pool on Cognito's default sender when unset", () => {
    expect(emailConfigurationFor("", account)).toEqual({ emailSendingAccount: "COGNITO_DEFAULT" });
    expect(emailConfigurationFor("  ", account)).toEqual({ emailSendingAccount: "COGNITO_DEFAULT" });
  });

  it("sends from a verified address as itself", () => {
    expect(emailConfigurationFor("orders@example.com", account)).toEqual({
      emailSendingAccount: "DEVELOPER",
      sourceArn: "arn:aws:ses:eu-west-1:123456789012:identity/orders@example.com",
      fromEmailAddress: "Live Orders <orders@example.com>",
    });
  });

  it("sends from no-reply@ a verified domain", () => {
    expect(emailConfigurationFor("example.com", account)).toEqual({
      emailSendingAccount: "DEVELOPER",
      sourceArn: "arn:aws:ses:eu-west-1:123456789012:identity/example.com",
      fromEmailAddress: "Live Orders <no-reply@example.com>",
    });
  });

  it("refuses a value that is no identity name (a display name, two addresses)", () => {
    expect(() => emailConfigurationFor("Live Orders <orders@example.com>", account)).toThrow(/CognitoSesIdentity/);
    expect(() => emailConfigurationFor("a@b@example.com", account)).toThrow(/CognitoSesIdentity/);
  });
});

describe("AlarmEndpoint", () => {
  it("subscribes nobody when unset", () => {
    expect(alarmSubscriptionFor("")).toBeUndefined();
  });

  it("subscribes an e-mail address or an https URL", () => {
    expect(alarmSubscriptionFor("ops@example.com")).toEqual({ protocol: "email", endpoint: "ops@example.com" });
    expect(alarmSubscriptionFor("https://hooks.example.com/alarms")).toEqual({
      protocol: "https",
      endpoint: "https://hooks.example.com/alarms",
    });
  });

  it("refuses anything else rather than subscribing it wrongly", () => {
    expect(() => alarmSubscriptionFor("http://hooks.example.com/alarms")).toThrow(/AlarmEndpoint/);
    expect(() => alarmSubscriptionFor("ops")).toThrow(/AlarmEndpoint/);
  });
});
