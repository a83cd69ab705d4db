/** The md5 of bytes `[start, end)` of a file, read in large pieces (from the page cache, as a rule: just written). */
import { createHash } from "node:crypto";
import { open } from "node:fs/promises";

const READ_SIZE = 4 * 1024 * 1024;

export interface HashRange {
  path: string;
  start: number;
  end: number;
}

export async function md5OfRange({ path, start, end }: HashRange): Promise<Buffer> {
  const hash = createHash("md5");
  const buffer = Buffer.allocUnsafe(Math.max(1, Math.min(READ_SIZE, end - start)));
  const handle = await open(path, "r");
  try {
    for (let at = start; at < end; ) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.byteLength, end - at), at);
      if (bytesRead === 0) throw new Error(`${path} ends at ${at} bytes, expected ${end}`);
      hash.update(buffer.subarray(0, bytesRead));
      at += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return hash.digest();
}
