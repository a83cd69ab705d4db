/**
 * Reading one byte range of a file into its place in the staging file: a read that gets no byte
 * for `readTimeoutMs` is ended, and a transient failure (anything but a `KittError` or the
 * caller's abort) is retried with exponential back-off from the last byte written.
 */
import type { FileHandle } from "node:fs/promises";
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

async function readOnce(job: PartJob, readTimeoutMs: number, signal: AbortSignal): Promise<void> {
  const attempt = new AbortController();
  const stop = (): void => attempt.abort(signal.reason);
  signal.addEventListener("abort", stop, { once: true });
  const timer = setTimeout(() => attempt.abort(new Error(`no data for ${Math.round(readTimeoutMs / 1000)} s`)), readTimeoutMs);
  try {
    const stream = await job.source.read(job.file, job.start, job.end, attempt.signal);
    const iterator = stream[Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = await untilAborted(iterator.next(), attempt.signal);
        if (next.done) break;
        timer.refresh();
        const chunk = next.value;
        if (job.start + chunk.byteLength > job.end) throw new KittError("DOWNLOAD_FAILED", `${job.source.display}: ${job.file.path}: the source sent more bytes than asked for (range ${job.start}-${job.end - 1})`);
        await job.handle.write(chunk, 0, chunk.byteLength, job.start);
        job.start += chunk.byteLength;
        job.wrote(chunk.byteLength);
      }
    } finally {
      void iterator.return?.()?.catch(() => undefined);
    }
    if (job.start !== job.end) throw new Error(`the connection ended ${job.end - job.start} bytes before the end of the range`);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", stop);
  }
}

/** `promise`, or the abort reason as soon as `signal` aborts (a stalled stream may never settle). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => reject(signal.reason as Error);
    signal.addEventListener("abort", abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}
