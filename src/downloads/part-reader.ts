/**
 * Reading one byte range of a file into its place in the staging file: a read that gets no byte
 * for `readTimeoutMs` is ended, and a transient failure (anything but a `KittError` or the
 * caller's abort) is retried with exponential back-off from the last byte written.
 */
import type { FileHandle } from "node:fs/promises";
import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { KittError } from "../errors.js";
import type { DownloadSource, RemoteFile } from "./source.js";

export interface RetryPolicy {
  readTimeoutMs: number;
  /** Tries in a row without a byte of progress before giving up. */
  attempts: number;
  /** Pause before the second try, doubled for each later one (at most 30 s). */
  retryDelayMs: number;
}

export interface PartJob {
  source: DownloadSource;
  file: RemoteFile;
  handle: FileHandle;
  /** The range still to fetch: `[start, end)`. */
  start: number;
  end: number;
  /** Called after each write with the bytes it added. */
  wrote(bytes: number): void;
}

export async function fetchPart(job: PartJob, policy: RetryPolicy, signal: AbortSignal): Promise<void> {
  let failures = 0;
  while (job.start < job.end) {
    const before = job.start;
    try {
      await readOnce(job, policy.readTimeoutMs, signal);
      return;
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (error instanceof KittError) throw error;
      failures = job.start > before ? 1 : failures + 1;
      if (failures >= policy.attempts) {
        throw new KittError("DOWNLOAD_FAILED", `${job.source.display}: ${job.file.path}: ${(error as Error).message} (tried ${failures} times)`, { cause: error });
      }
      await sleep(Math.min(policy.retryDelayMs * 2 ** (failures - 1), 30_000), undefined, { signal });
    }
  }
}

/** Bytes gathered before one write: fewer, larger writes cost less than one per network chunk. */
const WRITE_BATCH = 1024 * 1024;

async function readOnce(job: PartJob, readTimeoutMs: number, signal: AbortSignal): Promise<void> {
  const attempt = new AbortController();
  const stop = (): void => attempt.abort(signal.reason);
  signal.addEventListener("abort", stop, { once: true });
  const timer = setTimeout(() => attempt.abort(new Error(`no data for ${Math.round(readTimeoutMs / 1000)} s`)), readTimeoutMs);
  let stream: Readable | undefined;
  try {
    const aborted = new Promise<never>((_, reject) => attempt.signal.addEventListener("abort", () => reject(attempt.signal.reason as Error), { once: true }));
    aborted.catch(() => undefined);
    const body = await Promise.race([job.source.read(job.file, job.start, job.end, attempt.signal), aborted]);
    stream = body instanceof Readable ? body : Readable.from(body, { objectMode: false });
    await copyInto(job, stream, attempt.signal, () => timer.refresh());
    if (job.start !== job.end) throw new Error(`the connection ended ${job.end - job.start} bytes before the end of the range`);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", stop);
    stream?.destroy();
  }
}

/**
 * Writes the stream's bytes at the job's position in batches, pausing it while a batch is
 * written (events, not async iteration: a promise per network chunk costs more than the copy).
 * What arrived before a failure is written before the failure is reported, so a retry starts
 * after it.
 */
function copyInto(job: PartJob, stream: Readable, signal: AbortSignal, onData: () => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let batch: Buffer[] = [];
    let batched = 0;
    let writes = Promise.resolve();
    let failed = false;
    const flush = (): Promise<void> => {
      const [chunks, bytes] = [batch, batched];
      [batch, batched] = [[], 0];
      writes = writes.then(async () => {
        if (bytes === 0) return;
        await job.handle.writev(chunks, job.start).catch((error: NodeJS.ErrnoException) => {
          throw error.code === "ENOSPC" ? new KittError("NO_SPACE", `the disk filled up while downloading ${job.file.path}; free some space and run the download again (it resumes)`, { cause: error }) : error;
        });
        job.start += bytes;
        job.wrote(bytes);
      });
      return writes;
    };
    const fail = (error: unknown): void => {
      if (failed) return;
      failed = true;
      signal.removeEventListener("abort", onAbort);
      stream.destroy();
      flush().then(
        () => reject(error),
        (writeError: unknown) => reject(writeError instanceof KittError ? writeError : error),
      );
    };
    const onAbort = (): void => fail(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    stream.on("data", (chunk: Buffer) => {
      onData();
      if (job.start + batched + chunk.byteLength > job.end) {
        fail(new KittError("DOWNLOAD_FAILED", `${job.source.display}: ${job.file.path}: the source sent more bytes than asked for (range ${job.start}-${job.end - 1})`));
        return;
      }
      batch.push(chunk);
      batched += chunk.byteLength;
      if (batched >= WRITE_BATCH) {
        stream.pause();
        flush().then(() => stream.resume(), fail);
      }
    });
    stream.once("error", fail);
    stream.once("end", () => {
      if (failed) return;
      signal.removeEventListener("abort", onAbort);
      flush().then(resolve, fail);
    });
  });
}
