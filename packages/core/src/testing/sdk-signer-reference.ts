/**
 * What the SigV4 tests compare against the SDK's own signer with (`SignatureV4` from
 * `@smithy/signature-v4`): the app's signer (core/sigv4-signer.test.ts) and the local gateway's
 * verifier (local/gateway/sigv4.test.ts) both take their reference from here.
 */
import { createHash, createHmac } from "node:crypto";
import type { Checksum, SourceData } from "@smithy/types";

/** The SDK's Node SHA-256 (`@smithy/hash-node`), inlined to keep the reference independent of us. */
export class Sha256 implements Checksum {
  private hash;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh() {
    return this.secret === undefined
      ? createHash("sha256")
      : createHmac("sha256", Buffer.from(this.secret as Uint8Array | string));
  }
  update(data: SourceData) {
    this.hash.update(typeof data === "string" ? data : Buffer.from(data as Uint8Array));
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
  reset() {
    this.hash = this.fresh();
  }
}

/** A small deterministic generator (mulberry32) so a failure of a randomized test reproduces. */
export function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
