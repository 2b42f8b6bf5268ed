import { describe, expect, it, vi } from "vitest";
import { FrameSizeGuard } from "./limits";

/** A masked client frame header (RFC 6455 §5.2) followed by `length` payload bytes. */
function frame(opcode: number, length: number, fin = true): Buffer {
  const first = (fin ? 0x80 : 0) | opcode;
  const lengthBytes =
    length < 126
      ? Buffer.from([0x80 | length])
      : length < 65536
        ? Buffer.from([0x80 | 126, length >> 8, length & 0xff])
        : Buffer.concat([
            Buffer.from([0x80 | 127]),
            (() => {
              const b = Buffer.alloc(8);
              b.writeBigUInt64BE(BigInt(length));
              return b;
            })(),
          ]);
  return Buffer.concat([Buffer.from([first]), lengthBytes, Buffer.alloc(4), Buffer.alloc(length)]);
}

describe("FrameSizeGuard", () => {
  it("lets frames up to the limit through, in any chunking", () => {
    const oversize = vi.fn();
    const guard = new FrameSizeGuard(32 * 1024, oversize);
    const bytes = Buffer.concat([frame(1, 32 * 1024), frame(1, 10), frame(9, 4), frame(2, 70_000 - 69_990)]);

    for (let i = 0; i < bytes.length; i += 7) guard.push(bytes.subarray(i, i + 7));

    expect(oversize).not.toHaveBeenCalled();
  });

  it("reports a data frame over the limit with the number of complete messages before it", () => {
    const oversize = vi.fn();
    const guard = new FrameSizeGuard(32 * 1024, oversize);

    guard.push(Buffer.concat([frame(1, 5), frame(1, 100, false), frame(0, 100), frame(1, 32 * 1024 + 1)]));

    expect(oversize).toHaveBeenCalledOnce();
    expect(oversize).toHaveBeenCalledWith(2);
  });

  it("reads 16- and 64-bit lengths split across chunks", () => {
    const oversize = vi.fn();
    const guard = new FrameSizeGuard(32 * 1024, oversize);
    const big = frame(2, 70_000);

    guard.push(big.subarray(0, 1));
    guard.push(big.subarray(1, 3));
    guard.push(big.subarray(3));

    expect(oversize).toHaveBeenCalledWith(0);
  });

  it("reports every frame's opcode (pings count as activity)", () => {
    const opcodes: number[] = [];
    const guard = new FrameSizeGuard(
      32 * 1024,
      () => undefined,
      (opcode) => opcodes.push(opcode),
    );

    guard.push(Buffer.concat([frame(9, 0), frame(1, 3), frame(8, 2)]));

    expect(opcodes).toEqual([9, 1, 8]);
  });
});
