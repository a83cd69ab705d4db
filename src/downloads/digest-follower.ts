/**
 * A file's digest computed while it downloads: as its parts land, the bytes from its start up
 * to the first gap are read back (from the page cache, just written) and hashed, so verifying a
 * large file costs little time after its last byte arrives. A resumed file is hashed from its
 * start like any other, kept bytes included.
 */
import { open } from "node:fs/promises";
import { digestCheck } from "./digest-check.js";
import type { FileState } from "./download-state.js";
import type { Digest } from "./source.js";

const READ_SIZE = 4 * 1024 * 1024;

export class DigestFollower {
  private wake: (() => void) | undefined;
  private readonly result: Promise<string | undefined>;

  constructor(
    private readonly path: string,
    private readonly digest: Digest,
    private readonly state: FileState,
    private readonly signal: AbortSignal,
  ) {
    signal.addEventListener("abort", () => this.notify(), { once: true });
    this.result = this.run();
    this.result.catch(() => undefined); // awaited by `mismatch`, or the download failed anyway
  }

  /** Some part made progress. */
  notify(): void {
    this.wake?.();
  }

  /** Once every part is written: undefined when the bytes match, else what was expected and found. */
  mismatch(): Promise<string | undefined> {
    this.notify();
    return this.result;
  }

  /** Bytes written without a gap from the start of the file. */
  private frontier(): number {
    let bytes = 0;
    for (const [index, written] of this.state.written.entries()) {
      bytes += written;
      if (written < Math.min(this.state.partSize, this.state.size - index * this.state.partSize)) break;
    }
    return bytes;
  }

  private async run(): Promise<string | undefined> {
    const check = digestCheck(this.digest, this.state.size);
    const buffer = Buffer.allocUnsafe(Math.min(READ_SIZE, Math.max(1, this.state.size)));
    let hashed = 0;
    const handle = this.state.size > 0 ? await open(this.path, "r") : undefined;
    try {
      while (hashed < this.state.size) {
        this.signal.throwIfAborted();
        const end = Math.min(this.frontier(), hashed + buffer.byteLength);
        if (end <= hashed) {
          await new Promise<void>((resolve) => (this.wake = resolve));
          this.wake = undefined;
          continue;
        }
        const { bytesRead } = await handle!.read(buffer, 0, end - hashed, hashed);
        if (bytesRead === 0) return `the file ends at ${hashed} bytes, expected ${this.state.size}`;
        check.update(buffer.subarray(0, bytesRead));
        hashed += bytesRead;
      }
    } finally {
      await handle?.close();
    }
    return check.mismatch();
  }
}
