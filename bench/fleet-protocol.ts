/** Messages between the bench and its client fleet (bench/fleet.ts), over Node's IPC channel. */

/**
 * The users the fleet's stack sockets connect as: each holds at most `perUser` of them at once
 * (the production limit per user, SPEC §4), so a connect costs what it costs in production
 * rather than rewriting one user's slot item of thousands of entries.
 */
export interface BenchUsers {
  apiUrl: string;
  accessTokens: readonly string[];
  perUser: number;
}
export type FleetRequest =
  | {
      op: "connect";
      ref: number;
      group: string;
      url: string;
      /** The stack's sockets connect as the web app does: a ticket each, from the HTTP API with one of the users' tokens. */
      tickets?: BenchUsers;
      count: number;
      concurrency: number;
    }
  | {
      op: "request";
      ref: number;
      group: string;
      from: number;
      to: number;
      frame: Record<string, unknown>;
      concurrency: number;
      timeoutMs: number;
    }
  | {
      op: "arm";
      ref: number;
      group: string;
      from: number;
      to: number;
      marker: string;
      count: number;
      timeoutMs: number;
    }
  | { op: "kill"; ref: number; group: string; count?: number }
  | { op: "stats"; ref: number };

export type FleetReply =
  | { op: "connected"; ref: number; opened: number; failed: number; firstError?: string; ms: number; total: number }
  | { op: "replied"; ref: number; types: Record<string, number> }
  | { op: "armed"; ref: number }
  | { op: "received"; ref: number; times: number[]; sample?: string }
  | { op: "killed"; ref: number }
  | { op: "stats"; ref: number; open: number; rssBytes: number }
  | { op: "error"; ref: number; message: string };

type Without<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
export type FleetCommand = Without<FleetRequest, "ref">;
