/**
 * How many worker threads a run gets, and each one's share. One event loop sends and reads
 * everything unless the expected load exceeds what one loop handles with accurate timing; then
 * the requests are dealt round-robin to worker threads, each with its own connection pool.
 */
import { availableParallelism } from "node:os";
import { KittError } from "../../errors.js";
import type { RequestSenderOptions } from "../dispatch/request-sender.js";
import type { ServeRequest } from "../types.js";
import type { WorkerSetup } from "./messages.js";

/**
 * What one event loop handles while keeping send lag and chunk stamps within a millisecond or so:
 * well under its ceiling (measured with `kitt bench selftest`), since a loop near its ceiling
 * stamps late.
 */
export const REQUESTS_PER_SECOND_PER_LOOP = 2_000;
export const STREAMS_PER_LOOP = 512;

export type WorkerSetting = number | "auto";

/**
 * 0 means the main thread sends everything. With "auto", threads are added for the schedule's
 * average rate and for the streams the concurrency cap lets be open at once, leaving one core to
 * the main thread.
 */
export function resolveWorkerCount(
  setting: WorkerSetting,
  schedule: Float64Array,
  maxConcurrency: number,
  cores = availableParallelism(),
): number {
  const requests = schedule.length;
  const limit = Math.min(requests, maxConcurrency);
  const paced = requests > 0 && (schedule[requests - 1] as number) > 0;
  if (setting !== "auto") {
    if (!Number.isSafeInteger(setting) || setting < 0) throw new KittError("USAGE", `worker threads must be "auto" or a whole number ≥ 0, not ${setting}`);
    return Math.min(setting, limit);
  }
  const rateNeed = paced ? requests / ((schedule[requests - 1] as number) / 1000) / REQUESTS_PER_SECOND_PER_LOOP : 0;
  // Without a cap, a paced run's open streams depend on the engine's latency, which its rate already covers.
  const streamNeed = paced && !Number.isFinite(maxConcurrency) ? 0 : limit / STREAMS_PER_LOOP;
  const loops = Math.ceil(Math.max(rateNeed, streamNeed));
  const workers = Math.min(loops, cores - 1, limit);
  // A single worker thread would only add a hop to the main thread's work.
  return workers >= 2 ? workers : 0;
}

/** Deals requests round-robin to `workers` shares; the concurrency cap is split so the shares' caps sum to it. */
export function splitIntoShares(
  requests: readonly ServeRequest[],
  schedule: Float64Array,
  workers: number,
  common: { sender: Omit<RequestSenderOptions, "connections">; maxConcurrency: number; paced: boolean; durationMs: number },
): WorkerSetup[] {
  return Array.from({ length: workers }, (_, share) => {
    const count = Math.ceil((requests.length - share) / workers);
    const indices = new Int32Array(count);
    const shareSchedule = new Float64Array(count);
    const shareRequests: ServeRequest[] = [];
    for (let position = 0; position < count; position++) {
      const index = share + position * workers;
      indices[position] = index;
      shareSchedule[position] = schedule[index] as number;
      shareRequests.push(requests[index] as ServeRequest);
    }
    const maxConcurrency = Number.isFinite(common.maxConcurrency)
      ? Math.floor(common.maxConcurrency / workers) + (share < common.maxConcurrency % workers ? 1 : 0)
      : Infinity;
    return {
      indices,
      requests: shareRequests,
      schedule: shareSchedule,
      sender: { ...common.sender, connections: Number.isFinite(maxConcurrency) ? maxConcurrency : null },
      maxConcurrency,
      paced: common.paced,
      durationMs: common.durationMs,
    };
  });
}
