/**
 * A file's digest computed while it downloads: as its parts land, the bytes from its start up
 * to the first gap are read back (from the page cache, just written) and hashed, so verifying a
 * file costs little time after its last byte arrives. Large files are hashed in a worker thread
 * (built kitt only: run from TypeScript sources, they are hashed on the calling thread). A
 * resumed file is hashed from its start like any other, kept bytes included.
 */
import { Worker } from "node:worker_threads";
import type { FileState } from "./download-state.js";
import { hashAsWritten, type HashTarget } from "./hash-as-written.js";
import type { Digest } from "./source.js";

/** Smaller files are hashed on the calling thread: a worker's start costs more than it saves. */
const WORKER_FROM_BYTES = 32 * 1024 * 1024;
const FROM_SOURCES = import.meta.url.endsWith(".ts");

export class DigestFollower {
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

  /** Some part made progress. */
  notify(): void {
    if (this.worker) this.worker.postMessage({ frontier: this.frontier() });
    else this.wake?.();
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
}
