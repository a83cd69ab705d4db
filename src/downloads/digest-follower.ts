/**
 * A file's digest computed while it downloads, so verifying a file costs little time after its
 * last byte arrives. The bytes are read back as they land (from the page cache, just written):
 *
 * - a multipart ETag whose part size is known is checked part by part (`EtagPartsFollower`):
 *   each upload part is hashed on the download's `HashPool` as soon as all its bytes are
 *   written, many at a time;
 * - any other digest is one hash over the whole file, from its start up to the first gap,
 *   in a worker thread for a large file (built kitt only: run from TypeScript sources, on the
 *   calling thread).
 *
 * A resumed file is hashed like any other, kept bytes included.
 */
import { Worker } from "node:worker_threads";
import { etagOfParts, multipartEtag } from "./digest-check.js";
import type { FileState } from "./download-state.js";
import { hashAsWritten, type HashTarget } from "./hash-as-written.js";
import type { HashPool } from "./hash-pool.js";
import type { Digest } from "./source.js";

export interface DigestFollower {
  /** Some part made progress: `part`, the download part written to, when known. */
  notify(part?: number): void;
  /** Once every part is written: undefined when the bytes match, else what was expected and found. */
  mismatch(): Promise<string | undefined>;
}

export function followDigest(path: string, digest: Digest, state: FileState, pool: HashPool, signal: AbortSignal): DigestFollower {
  const etag = multipartEtag(digest, state.size);
  return etag === undefined ? new WholeFileFollower(path, digest, state, signal) : new EtagPartsFollower(path, etag, state, pool);
}

/** Smaller files are hashed on the calling thread: a worker's start costs more than it saves. */
const WORKER_FROM_BYTES = 32 * 1024 * 1024;
const FROM_SOURCES = import.meta.url.endsWith(".ts");

class WholeFileFollower implements DigestFollower {
  private wake: (() => void) | undefined;
  private readonly worker: Worker | undefined;
  private readonly result: Promise<string | undefined>;

  constructor(path: string, digest: Digest, private readonly state: FileState, signal: AbortSignal) {
    const target: HashTarget = { path, digest, size: state.size };
    if (state.size >= WORKER_FROM_BYTES && !FROM_SOURCES) {
      const worker = new Worker(new URL("./digest-worker.js", import.meta.url), { workerData: target });
      this.worker = worker;
      this.result = new Promise((resolve, reject) => {
        worker.once("message", (message: { mismatch?: string }) => resolve(message.mismatch));
        worker.once("error", reject);
        worker.once("exit", () => reject(signal.reason ?? new Error("the hashing thread stopped")));
      });
      signal.addEventListener("abort", () => void worker.terminate(), { once: true });
      this.notify();
    } else {
      signal.addEventListener("abort", () => this.notify(), { once: true });
      const more = () => new Promise<void>((resolve) => (this.wake = resolve));
      this.result = hashAsWritten(target, () => this.frontier(), more, signal);
    }
    this.result.catch(() => undefined); // awaited by `mismatch`, or the download failed anyway
  }

  notify(): void {
    if (this.worker) this.worker.postMessage({ frontier: this.frontier() });
    else this.wake?.();
  }

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
}

/** A multipart ETag checked from its parts' md5s, each hashed on the pool once all its bytes are written. */
class EtagPartsFollower implements DigestFollower {
  private readonly digests: Array<Promise<Buffer> | undefined>;

  constructor(
    private readonly path: string,
    private readonly etag: { expected: string; parts: number; partSize: number },
    private readonly state: FileState,
    private readonly pool: HashPool,
  ) {
    this.digests = new Array<Promise<Buffer> | undefined>(etag.parts);
    this.notify();
  }

  notify(part?: number): void {
    if (part === undefined) {
      for (let index = 0; index < this.etag.parts; index++) this.hashWhenWritten(index);
      return;
    }
    // The upload parts that overlap this download part.
    const from = part * this.state.partSize;
    const to = Math.min(this.state.size, from + this.state.partSize) - 1;
    for (let index = Math.floor(from / this.etag.partSize); index <= Math.floor(to / this.etag.partSize); index++) this.hashWhenWritten(index);
  }

  async mismatch(): Promise<string | undefined> {
    this.notify();
    if (this.digests.includes(undefined)) return "not every byte was written";
    const found = etagOfParts(await Promise.all(this.digests as Array<Promise<Buffer>>));
    return found === this.etag.expected ? undefined : `ETag ${found}, expected ${this.etag.expected}`;
  }

  private hashWhenWritten(index: number): void {
    if (this.digests[index] !== undefined) return;
    const start = index * this.etag.partSize;
    const end = Math.min(this.state.size, start + this.etag.partSize);
    const { partSize, size, written } = this.state;
    for (let part = Math.floor(start / partSize); part <= Math.floor((end - 1) / partSize); part++) {
      if (written[part]! < Math.min(partSize, size - part * partSize)) return;
    }
    const digest = this.pool.md5({ path: this.path, start, end });
    digest.catch(() => undefined); // awaited by `mismatch`, or the download failed anyway
    this.digests[index] = digest;
  }
}
