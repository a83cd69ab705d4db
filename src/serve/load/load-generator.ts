/**
 * The serving benchmark's load generator: sends every request at its scheduled absolute time
 * under the concurrency cap, measures each streamed answer, and hands each record on as soon as
 * its request finishes (to `onRecord` and, when asked, a JSONL file); it never holds all records.
 * One event loop does the work unless the load calls for worker threads (`serve/workers/shares.ts`).
 */
import { KittError } from "../../errors.js";
import { ClientStatsMonitor, type ClientStats, type EventLoopDelay } from "../dispatch/client-stats.js";
import { performanceToMonotonicMs } from "../dispatch/clock.js";
import { DispatchLoop, type DispatchCounts, type StopReason } from "../dispatch/loop.js";
import { RequestSender, type RequestSenderOptions } from "../dispatch/request-sender.js";
import type { TransportKind } from "../transport/types.js";
import type { LoadOptions, RequestRecord, ServeRequest } from "../types.js";
import { WorkerPool } from "../workers/pool.js";
import { resolveWorkerCount, splitIntoShares, type WorkerSetting } from "../workers/shares.js";
import { ErrorStops, MIN_REQUESTS_FOR_ERROR_RATE } from "./error-stops.js";
import { RecordsWriter } from "./records-writer.js";

export type { StopReason } from "../dispatch/loop.js";

/** Lead given to worker threads between the start message and the first send, so time zero is not already past. */
const WORKER_START_LEAD_MS = 20;
const PROGRESS_EVERY_MS = 500;

export interface LoadRunOptions extends LoadOptions {
  /** Worker threads to send from: "auto" (default) decides from the rate and concurrency; 0 keeps everything on the main thread. */
  workers?: WorkerSetting;
  /** "auto" (default): kitt's own HTTP/1.1 connections for `http:`, undici for `https:` (`serve/transport/create-transport.ts`). */
  transport?: TransportKind;
  /** Finished requests needed before `maxErrorRate` is judged. */
  minRequestsForErrorRate?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
}

export interface LoadProgress {
  total: number;
  sent: number;
  finished: number;
  failed: number;
  inFlight: number;
  elapsedMs: number;
}

export interface LoadHooks {
  onRecord(record: RequestRecord): void;
  onProgress?(progress: LoadProgress): void;
}

export interface LoadResult {
  /** The run clock's zero as epoch milliseconds. */
  startedAt: number;
  /** The run clock's zero on the machine-wide monotonic clock (`serve/dispatch/clock.ts`), to compare with other processes. */
  monotonicStartMs: number;
  /** From the run start to the end of the last request (vLLM's `duration`). */
  durationMs: number;
  stoppedBecause: StopReason;
  client: ClientStats;
}

interface RunOutcome {
  reason: StopReason;
  lastFinishMs: number;
  /** Event-loop delays of the worker threads; empty when the main thread sent everything. */
  delays: EventLoopDelay[];
}

/** What runs the requests: the main thread's own loop, or worker threads. */
interface Runner {
  run(onRecord: (record: RequestRecord) => void): Promise<RunOutcome>;
  stop(reason: Exclude<StopReason, "completed">): void;
  counts(): DispatchCounts;
  runStart: number;
}

export async function runLoad(
  requests: readonly ServeRequest[],
  options: LoadRunOptions,
  hooks: LoadHooks,
  signal?: AbortSignal,
): Promise<LoadResult> {
  validate(requests, options);
  const workers = resolveWorkerCount(options.workers ?? "auto", options.schedule, options.maxConcurrency);
  const writer = options.recordsPath !== undefined ? await RecordsWriter.open(options.recordsPath) : undefined;
  let runner: Runner;
  try {
    runner = workers > 0 ? await workerRunner(requests, options, workers) : mainThreadRunner(requests, options);
  } catch (error) {
    await writer?.close();
    throw error;
  }
  const stops = new ErrorStops(options.maxErrors, options.maxErrorRate, options.minRequestsForErrorRate ?? MIN_REQUESTS_FOR_ERROR_RATE);
  const stats = new ClientStatsMonitor();
  let failed = 0;
  let hookError: unknown;

  const onRecord = (record: RequestRecord): void => {
    if (!record.success) failed++;
    try {
      writer?.write(record);
      hooks.onRecord(record);
    } catch (error) {
      hookError ??= error;
      runner.stop("aborted");
    }
    const broken = stops.observe(record);
    if (broken) runner.stop(broken);
  };
  const progress = (): void => {
    const counts = runner.counts();
    hooks.onProgress?.({
      total: requests.length,
      sent: counts.sent,
      finished: counts.finished,
      failed,
      inFlight: counts.inFlight,
      elapsedMs: performance.now() - runner.runStart,
    });
  };
  const onAbort = (): void => runner.stop("aborted");
  signal?.addEventListener("abort", onAbort);
  const progressTimer = hooks.onProgress ? setInterval(progress, PROGRESS_EVERY_MS) : undefined;
  let outcome: RunOutcome | undefined;
  let client: ClientStats;
  try {
    if (signal?.aborted) runner.stop("aborted");
    outcome = await runner.run(onRecord);
    progress();
  } finally {
    clearInterval(progressTimer);
    signal?.removeEventListener("abort", onAbort);
    client = stats.stop(outcome?.delays);
    await writer?.close();
  }
  if (hookError !== undefined) throw hookError;
  return {
    startedAt: performance.timeOrigin + runner.runStart,
    monotonicStartMs: runner.runStart + performanceToMonotonicMs(),
    durationMs: outcome.lastFinishMs,
    stoppedBecause: outcome.reason,
    client,
  };
}

function senderOptions(options: LoadRunOptions): Omit<RequestSenderOptions, "connections"> {
  return {
    baseUrl: options.baseUrl,
    protocol: options.protocol,
    model: options.model,
    ignoreEos: options.ignoreEos,
    temperature: options.temperature,
    keepText: options.keepText,
    transport: options.transport,
    headersTimeoutMs: options.headersTimeoutMs,
    bodyTimeoutMs: options.bodyTimeoutMs,
  };
}

function isPaced(schedule: Float64Array): boolean {
  return schedule.length > 0 && (schedule[schedule.length - 1] as number) > 0;
}

function mainThreadRunner(requests: readonly ServeRequest[], options: LoadRunOptions): Runner {
  const finite = Number.isFinite(options.maxConcurrency);
  const sender = new RequestSender({ ...senderOptions(options), connections: finite ? options.maxConcurrency : null });
  // Positions are the requests' own indices here.
  const indices = new Int32Array(requests.length);
  for (let index = 0; index < indices.length; index++) indices[index] = index;
  let loop: DispatchLoop | undefined;
  let earlyStop: Exclude<StopReason, "completed"> | undefined;
  const runner: Runner = {
    runStart: performance.now(),
    async run(onRecord) {
      runner.runStart = performance.now();
      loop = new DispatchLoop(
        { indices, requests, schedule: options.schedule },
        { runStart: runner.runStart, maxConcurrency: options.maxConcurrency, paced: isPaced(options.schedule), durationMs: options.durationMs },
        sender,
        onRecord,
      );
      if (earlyStop) loop.stop(earlyStop);
      try {
        const reason = await loop.run();
        return { reason, lastFinishMs: loop.counts().lastFinishMs, delays: [] };
      } finally {
        await sender.close();
      }
    },
    stop(reason) {
      if (loop) loop.stop(reason);
      else earlyStop ??= reason;
    },
    counts: () => loop?.counts() ?? { sent: 0, finished: 0, inFlight: 0, lastFinishMs: 0 },
  };
  return runner;
}

async function workerRunner(requests: readonly ServeRequest[], options: LoadRunOptions, workers: number): Promise<Runner> {
  const pool = await WorkerPool.start(
    splitIntoShares(requests, options.schedule, workers, {
      sender: senderOptions(options),
      maxConcurrency: options.maxConcurrency,
      paced: isPaced(options.schedule),
      durationMs: options.durationMs,
    }),
  );
  const runner: Runner = {
    runStart: performance.now(),
    async run(onRecord) {
      runner.runStart = performance.now() + WORKER_START_LEAD_MS;
      try {
        return await pool.run(runner.runStart + performanceToMonotonicMs(), onRecord);
      } finally {
        await pool.terminate();
      }
    },
    stop: (reason) => pool.stop(reason),
    counts: () => pool.counts(),
  };
  return runner;
}

function validate(requests: readonly ServeRequest[], options: LoadRunOptions): void {
  if (options.schedule.length !== requests.length) {
    throw new KittError("INTERNAL", `the schedule has ${options.schedule.length} send times for ${requests.length} requests`);
  }
  if (!(options.maxConcurrency >= 1)) throw new KittError("USAGE", `maximum concurrency must be at least 1, not ${options.maxConcurrency}`);
  for (let index = 1; index < options.schedule.length; index++) {
    if ((options.schedule[index] as number) < (options.schedule[index - 1] as number)) {
      throw new KittError("INTERNAL", `the send schedule goes back in time at request ${index}`);
    }
  }
}
