/** Messages between the bench and its client fleet (bench/fleet.ts), over Node's IPC channel. */
export type FleetRequest =
  | {
      op: "connect";
      ref: number;
      group: string;
      url: string;
      /** The stack's sockets connect as the web app does: a ticket each, from the HTTP API with this token. */
      tickets?: { apiUrl: string; accessToken: string };
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
