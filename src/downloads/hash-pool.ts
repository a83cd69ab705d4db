/**
 * Worker threads that hash byte ranges of files: a multipart object's parts are hashed at the
 * same time on as many cores as the machine can spare, instead of one after another. The pool
 * belongs to one download run and ends its threads when disposed. Run from TypeScript sources
 * (tests), ranges are hashed on the calling thread instead.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { md5OfRange, type HashRange } from "./hash-range.js";

const FROM_SOURCES = import.meta.url.endsWith(".ts");

interface Pending {
  task: HashRange;
  resolve(digest: Buffer): void;
  reject(error: Error): void;
}

/** Threads for a machine: one core is left to the download itself, and at most 8. */
function hashThreads(): number {
  return Math.max(1, Math.min(8, availableParallelism() - 1));
}

export class HashPool implements AsyncDisposable {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Pending>();
  private readonly queue: Pending[] = [];
  private started = 0;
  private closed = false;

  constructor(private readonly size = hashThreads()) {}

  /** The md5 of bytes `[start, end)` of `path`. */
  md5(task: HashRange): Promise<Buffer> {
    if (this.closed) return Promise.reject(new Error("the hashing threads were stopped"));
    if (FROM_SOURCES) return md5OfRange(task);
    return new Promise<Buffer>((resolve, reject) => {
      this.queue.push({ task, resolve, reject });
      this.dispatch();
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const stopped = new Error("the hashing threads were stopped");
    for (const pending of [...this.queue.splice(0), ...this.busy.values()]) pending.reject(stopped);
    const workers = [...this.idle.splice(0), ...this.busy.keys()];
    this.busy.clear();
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const worker = this.idle.pop() ?? (this.started < this.size ? this.startWorker() : undefined);
      if (worker === undefined) return;
      const pending = this.queue.shift()!;
      this.busy.set(worker, pending);
      worker.postMessage(pending.task);
    }
  }

  private startWorker(): Worker {
    this.started++;
    const worker = new Worker(new URL("./hash-range-worker.js", import.meta.url));
    worker.on("message", (answer: { digest?: Uint8Array; error?: string }) => {
      const pending = this.busy.get(worker);
      this.busy.delete(worker);
      this.idle.push(worker);
      if (answer.error !== undefined) pending?.reject(new Error(answer.error));
      else pending?.resolve(Buffer.from(answer.digest!));
      this.dispatch();
    });
    worker.on("error", (error) => {
      this.busy.get(worker)?.reject(error);
      this.busy.delete(worker);
      const idle = this.idle.indexOf(worker);
      if (idle >= 0) this.idle.splice(idle, 1);
      this.started--;
      this.dispatch();
    });
    return worker;
  }
}
