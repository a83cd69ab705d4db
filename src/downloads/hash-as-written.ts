/**
 * Hashes a file while it is being written: reads it from its start up to `frontier()` (the
 * bytes written without a gap so far), then waits for more, until all `size` bytes are in.
 */
import { open } from "node:fs/promises";
import { digestCheck } from "./digest-check.js";
import type { Digest } from "./source.js";

const READ_SIZE = 4 * 1024 * 1024;

export interface HashTarget {
  path: string;
  digest: Digest;
  size: number;
}

/** Undefined when the bytes match the digest, else what was expected and found. */
export async function hashAsWritten(target: HashTarget, frontier: () => number, more: () => Promise<void>, signal?: AbortSignal): Promise<string | undefined> {
  const check = digestCheck(target.digest, target.size);
  if (target.size === 0) return check.mismatch();
  const buffer = Buffer.allocUnsafe(Math.min(READ_SIZE, target.size));
  const handle = await open(target.path, "r");
  let hashed = 0;
  try {
    while (hashed < target.size) {
      signal?.throwIfAborted();
      const end = Math.min(frontier(), hashed + buffer.byteLength);
      if (end <= hashed) {
        await more();
        continue;
      }
      const { bytesRead } = await handle.read(buffer, 0, end - hashed, hashed);
      if (bytesRead === 0) return `the file ends at ${hashed} bytes, expected ${target.size}`;
      check.update(buffer.subarray(0, bytesRead));
      hashed += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return check.mismatch();
}
