/** What the main thread and the load generator's worker threads say to each other. */
import type { EventLoopDelay } from "../dispatch/client-stats.js";
import type { DispatchCounts, StopReason } from "../dispatch/loop.js";
import type { RequestSenderOptions } from "../dispatch/request-sender.js";
import type { RequestRecord, ServeRequest } from "../types.js";

/** A worker's share of the run, given as its `workerData`. */
export interface WorkerSetup {
  indices: Int32Array;
  requests: ServeRequest[];
  schedule: Float64Array;
  sender: RequestSenderOptions;
  maxConcurrency: number;
  paced: boolean;
  durationMs: number;
}

export type ToWorker =
  /** Start sending; the run clock's zero on the monotonic clock (`serve/dispatch/clock.ts`). */
  | { type: "start"; runStartMonotonicMs: number }
  | { type: "stop"; reason: Exclude<StopReason, "completed"> };

export type FromWorker =
  | { type: "ready" }
  | { type: "records"; records: RequestRecord[]; counts: DispatchCounts }
  | { type: "done"; reason: StopReason; counts: DispatchCounts; delay: EventLoopDelay }
  | { type: "failed"; message: string };
