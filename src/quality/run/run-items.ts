/**
 * Evaluates a task's items concurrently, appending every finished record to the checkpoint log at
 * once and to the gzip outputs file.
 * Items already in the checkpoint are not evaluated again, so a resumed run reaches the records
 * an uninterrupted one would have. A failed item is recorded as an error and left out of the
 * checkpoint (a resume retries it); an abort or a dead engine stops the run at once, and so do
 * the first items of a run all failing alike (the rest would only fail the same way).
 */
import { setMaxListeners } from "node:events";
import { describeError, KittError } from "../../errors.js";
import { isFatal } from "../../fatal-errors.js";
import { CheckpointLog, type CheckpointFile } from "./checkpoint.js";
import type { ItemRecord } from "./item-record.js";
import { OutputsFile } from "./outputs-file.js";

export interface ItemProgress {
  /** Items finished: those with a record (restored ones included) and those that failed. */
  completed: number;
  total: number;
  /** Of `completed`, the items that failed. */
  failed: number;
  /** Estimated time left, from this run's pace; null before the first item finishes. */
  etaSeconds: number | null;
}

export interface PlannedItem {
  key: string;
  evaluate(signal: AbortSignal): Promise<ItemRecord>;
}

export interface RunItemsOptions {
  items: readonly PlannedItem[];
  concurrency: number;
  signal: AbortSignal;
  checkpointPath: string;
  /** The checkpoint as it will be written; its `records` are restored and not evaluated again. */
  checkpoint: CheckpointFile;
  outputsPath: string;
  onProgress?(progress: ItemProgress): void;
}

export interface RunItemsResult {
  /** Records in item order; items without one failed or were not reached. */
  records: ItemRecord[];
  restored: number;
  evaluated: number;
  failed: number;
  errors: string[];
  stopped: boolean;
  cause?: unknown;
}

/** Failed items listed one by one in `errors`; the rest are counted (a 2k-context engine can fail hundreds of MMLU prompts). */
const LISTED_ITEM_ERRORS = 10;

/** When this many items are the first of a run to finish and all failed alike, the run stops (if more are left). */
export const EARLY_STOP_FAILURES = 8;

export async function runItems(options: RunItemsOptions): Promise<RunItemsResult> {
  const { items, checkpoint } = options;
  const total = items.length;
  const pending = items.filter((item) => checkpoint.records[item.key] === undefined);
  const restored = total - pending.length;
  const result: RunItemsResult = { records: [], restored, evaluated: 0, failed: 0, errors: [], stopped: false };
  // One controller for the whole run: the first fatal error aborts the requests still in flight.
  const stop = new AbortController();
  const signal = AbortSignal.any([options.signal, stop.signal]);
  // Every request in flight listens on it (an item may send several at once): not a leak.
  setMaxListeners(Math.max(10, options.concurrency * 8), signal);

  const log = await CheckpointLog.create(options.checkpointPath, checkpoint);
  let logError: string | undefined;
  const keep = (record: ItemRecord) => {
    checkpoint.records[record.key] = record;
    if (logError !== undefined) return;
    try {
      log.append(record);
    } catch (error) {
      logError = `checkpoint not saved: ${describeError(error)}`;
      result.errors.push(logError);
    }
  };

  let outputs: OutputsFile;
  try {
    outputs = await OutputsFile.open(options.outputsPath);
  } catch (error) {
    log.close(false);
    throw error;
  }
  for (const item of items) {
    const record = checkpoint.records[item.key];
    if (record !== undefined) outputs.write(record);
  }
  const started = performance.now();
  const report = () => {
    const done = result.evaluated + result.failed;
    const left = pending.length - done;
    const etaSeconds = result.evaluated === 0 ? null : ((performance.now() - started) / 1000 / done) * left;
    options.onProgress?.({ completed: restored + done, total, failed: result.failed, etaSeconds });
  };
  const stopRun = (cause: unknown) => {
    result.stopped = true;
    result.cause ??= cause;
    stop.abort(cause);
  };
  // Whether every item that failed so far failed like the first one (numbers aside).
  let firstFailure: string | undefined;
  let failedAlike = true;

  let next = 0;
  const worker = async () => {
    for (let item = pending[next++]; item !== undefined && !signal.aborted; item = pending[next++]) {
      try {
        const record = await item.evaluate(signal);
        keep(record);
        outputs.write(record);
        result.evaluated++;
      } catch (error) {
        if (isFatal(error, signal)) {
          const cause = options.signal.aborted ? options.signal.reason : error;
          if (!result.stopped) result.errors.push(`stopped at item ${item.key}: ${describeError(cause)}`);
          stopRun(cause);
          return;
        }
        result.failed++;
        const message = describeError(error);
        if (result.failed <= LISTED_ITEM_ERRORS) result.errors.push(`item ${item.key}: ${message}`);
        firstFailure ??= shapeOf(message);
        failedAlike &&= shapeOf(message) === firstFailure;
        if (failedAlike && result.evaluated === 0 && result.failed === EARLY_STOP_FAILURES && pending.length > EARLY_STOP_FAILURES) {
          const cause = new KittError("BENCHMARK_FAILED", earlyStopMessage(message, pending.length - EARLY_STOP_FAILURES));
          result.errors.unshift(cause.message);
          report();
          stopRun(cause);
          return;
        }
      }
      report();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, pending.length)) }, worker));
    if (options.signal.aborted && !result.stopped) {
      result.stopped = true;
      result.cause = options.signal.reason;
      result.errors.push(`stopped: ${describeError(options.signal.reason)}`);
    }
    if (result.failed > LISTED_ITEM_ERRORS) {
      result.errors.push(`…and ${result.failed - LISTED_ITEM_ERRORS} more failed items (${result.failed} in all; a resumed run retries them)`);
    }
  } finally {
    log.close(!result.stopped && result.failed === 0 && logError === undefined);
    await outputs.close();
  }
  result.records = items.flatMap((item) => checkpoint.records[item.key] ?? []);
  return result;
}

/** A failure's message with its numbers left out, so that "request (1403 tokens)…" and "request (1517 tokens)…" count as alike. */
function shapeOf(message: string): string {
  return message.replace(/\d+(\.\d+)?/g, "#");
}

function earlyStopMessage(message: string, notRun: number): string {
  const cause = /context/i.test(message) ? "start the engine with more context per request" : "fix its cause";
  return (
    `the first ${EARLY_STOP_FAILURES} items all failed with the same error, so the other ${notRun} were not run: ${message} ` +
    `(${cause}, then run the test again)`
  );
}
