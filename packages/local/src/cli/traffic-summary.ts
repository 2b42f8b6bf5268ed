/**
 * `npm start`'s one line a minute while there is traffic: what the fan-out delivered and what
 * failed, from the local API Gateway's `@connections` meters (every post the handlers made, by
 * status) and the stream poller's failure directory (ranges of records given up). The same
 * figures the fan-out's EMF lines carry, counted where the local stack can see them.
 */
import { readdirSync } from "node:fs";
import type { GatewayCounts } from "../gateway/index";

export interface TrafficSample {
  /** `@connections` POSTs by status. */
  posts: Record<number, number>;
  /** Failure messages waiting in the local failure queue. */
  failuresWaiting: number;
}

export function sampleTraffic(counts: GatewayCounts, failureDir: string): TrafficSample {
  const posts: Record<number, number> = {};
  for (const [key, count] of Object.entries(counts.management)) {
    const [method, status] = key.split(" ");
    if (method === "POST") posts[Number(status)] = (posts[Number(status)] ?? 0) + count;
  }
  let failuresWaiting = 0;
  try {
    failuresWaiting = readdirSync(failureDir).filter((name) => name.endsWith(".json")).length;
  } catch {
    // none yet
  }
  return { posts, failuresWaiting };
}

/** The line for the minute between two samples; undefined when nothing happened. */
export function trafficSummary(before: TrafficSample, now: TrafficSample, at: Date = new Date()): string | undefined {
  // A meter below its last reading started over (the gateway restarted): all of it is new.
  const grown = (after: number, was: number) => (after >= was ? after - was : after);
  const delta = (status: number) => grown(now.posts[status] ?? 0, before.posts[status] ?? 0);
  const statuses = new Set([...Object.keys(now.posts), ...Object.keys(before.posts)].map(Number));
  const delivered = delta(200);
  const gone = delta(410);
  let failed = 0;
  for (const status of statuses) if (status !== 200 && status !== 410) failed += delta(status);
  // Replayed messages leave the directory: only growth is news.
  const newFailures = Math.max(0, now.failuresWaiting - before.failuresWaiting);
  if (delivered + gone + failed + newFailures === 0) return undefined;
  const time = at.toTimeString().slice(0, 5);
  return (
    `[${time}] last minute: ${delivered} posts delivered, ${gone} to gone connections, ${failed} failed; ` +
    `${newFailures} stream range(s) given up (${now.failuresWaiting} waiting for npm run replay-fan-out -- --local)`
  );
}
