/**
 * Streams request records to a JSONL file as they finish, so a long run never holds them all.
 * Lines are gathered into batches of about 64 KiB before each write, and no line waits longer
 * than a quarter second, so a `kill -9` loses at most that much of the run (`kitt storage import`
 * rebuilds a result from what is on disk). While the file stream signals backpressure, batches
 * wait in memory until it drains instead of piling into its buffer.
 */
import { createWriteStream, type WriteStream } from "node:fs";
import { once } from "node:events";
import { KittError } from "../../errors.js";
import type { RequestRecord } from "../types.js";

const BATCH_BYTES = 64 * 1024;
const BATCH_MAX_AGE_MS = 250;

export class RecordsWriter {
  private readonly stream: WriteStream;
  private batch: string[] = [];
  private batchBytes = 0;
  private waiting: string[] = [];
  private draining = false;
  private failure: Error | undefined;
  private written = 0;
  private flushTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly path: string) {
    this.stream = createWriteStream(path, { flags: "w" });
    this.stream.on("error", (error) => (this.failure ??= error));
    this.stream.on("drain", () => this.drained());
  }

  /** Opens (and truncates) `path`; fails if it cannot be created. */
  static async open(path: string): Promise<RecordsWriter> {
    const writer = new RecordsWriter(path);
    try {
      await once(writer.stream, "open");
    } catch (error) {
      throw new KittError("BENCHMARK_FAILED", `cannot write request records to ${path}: ${(error as Error).message}`, { cause: error });
    }
    return writer;
  }

  /** Records written so far (queued lines included). */
  get count(): number {
    return this.written;
  }

  write(record: RequestRecord): void {
    const line = `${JSON.stringify(record)}\n`;
    if (this.batch.length === 0) this.flushTimer = setTimeout(() => this.flushBatch(), BATCH_MAX_AGE_MS).unref();
    this.batch.push(line);
    this.batchBytes += line.length;
    this.written++;
    if (this.batchBytes >= BATCH_BYTES) this.flushBatch();
  }

  /** Writes what is left and closes the file; fails if any write failed. */
  async close(): Promise<void> {
    this.flushBatch();
    // Ending flushes whatever the stream still buffers, so the last batches need not wait for a drain.
    for (const text of this.waiting.splice(0)) this.stream.write(text);
    this.stream.end();
    await once(this.stream, "close").catch(() => undefined);
    if (this.failure) {
      throw new KittError("BENCHMARK_FAILED", `writing request records to ${this.path} failed: ${this.failure.message}`, {
        cause: this.failure,
      });
    }
  }

  private flushBatch(): void {
    clearTimeout(this.flushTimer);
    if (this.batch.length === 0) return;
    const text = this.batch.join("");
    this.batch = [];
    this.batchBytes = 0;
    if (this.draining) {
      this.waiting.push(text);
      return;
    }
    if (!this.stream.write(text)) this.draining = true;
  }

  private drained(): void {
    this.draining = false;
    while (this.waiting.length > 0 && !this.draining) {
      const text = this.waiting.shift() as string;
      if (!this.stream.write(text)) this.draining = true;
    }
  }
}
