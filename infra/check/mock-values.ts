/** The account and region the mocked engine answers with (harness.ts); tests build expected ARNs from them. */
export const MOCK_REGION = "us-east-1";
export const MOCK_ACCOUNT = "123456789012";
