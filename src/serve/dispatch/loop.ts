/**
 * Sends one event loop's share of a run: each request at its absolute scheduled time (run start
 * + schedule, never a relative sleep, so lateness does not accumulate), every request that is due
 * in one batch, and never more in flight than the concurrency cap. A request waiting for a free
 * slot is sent the moment one frees up; its send time is read then, after the wait, as vLLM does.
 */
import type { RequestRecord, ServeRequest } from "../types.js";
import { DeadlineTimer } from "./deadline-timer.js";
import type { InFlightRequest, RequestSender } from "./request-sender.js";

export type StopReason = "completed" | "duration" | "max-errors" | "max-error-rate" | "aborted";

/** The requests one event loop sends, in send order. */
export interface DispatchShare {
  /** Each request's index in the whole run. */
  indices: ArrayLike<number>;
  requests: readonly ServeRequest[];
  /** Run-clock send time of each request, non-decreasing. */
  schedule: Float64Array;
}

export interface DispatchLoopOptions {
  /** The run clock's zero, as this thread's `performance.now()`. */
  runStart: number;
  maxConcurrency: number;
  /** False when the run is unpaced (infinite rate): records get `scheduledMs: null`. */
  paced: boolean;
  /** Stop after this long from the run start; Infinity for no limit. */
  durationMs: number;
}

export interface DispatchCounts {
  sent: number;
  finished: number;
  inFlight: number;
  /** Run-clock time the last request finished (0 before any did). */
  lastFinishMs: number;
}

export class DispatchLoop {
  private readonly timer = new DeadlineTimer();
  private readonly inFlight = new Set<InFlightRequest>();
  private next = 0;
  private finished = 0;
  private lastFinishMs = 0;
  private stopReason: StopReason | undefined;
  /** A deadline timer rather than `setTimeout`, which can fire a fraction of a millisecond early. */
  private readonly durationTimer = new DeadlineTimer();
  private resolveRun: ((reason: StopReason) => void) | undefined;

  constructor(
    private readonly share: DispatchShare,
    private readonly options: DispatchLoopOptions,
    private readonly sender: RequestSender,
    private readonly onRecord: (record: RequestRecord) => void,
  ) {}

  /** Sends the share; resolves once every sent request finished, with why the run ended. */
  run(): Promise<StopReason> {
    return new Promise((resolve) => {
      this.resolveRun = resolve;
      const { durationMs, runStart } = this.options;
      if (this.stopReason === undefined && Number.isFinite(durationMs)) {
        this.durationTimer.arm(runStart + durationMs, () => this.stop("duration"));
      }
      this.pump();
      // Stopped before it started, or nothing to send.
      this.settleIfIdle();
    });
  }

  /** Sends nothing more and aborts the requests in flight (they are recorded as `aborted`). */
  stop(reason: Exclude<StopReason, "completed">): void {
    if (this.stopReason !== undefined) return;
    this.stopReason = reason;
    this.timer.cancel();
    for (const request of [...this.inFlight]) request.abort();
    this.settleIfIdle();
  }

  counts(): DispatchCounts {
    return { sent: this.next, finished: this.finished, inFlight: this.inFlight.size, lastFinishMs: this.lastFinishMs };
  }

  private readonly pump = (): void => {
    if (this.stopReason !== undefined) return;
    const { schedule, requests, indices } = this.share;
    const { runStart, maxConcurrency, paced } = this.options;
    let now = performance.now() - runStart;
    while (this.next < schedule.length && this.inFlight.size < maxConcurrency) {
      const due = schedule[this.next] as number;
      if (due > now) {
        // Sending takes time: look again before sleeping, so requests that came due meanwhile go in this batch.
        now = performance.now() - runStart;
        if (due > now) break;
      }
      const position = this.next++;
      const index = indices[position] as number;
      const handle = this.sender.send(index, requests[position] as ServeRequest, paced ? due : null, runStart, (record) =>
        this.requestFinished(handle, record),
      );
      this.inFlight.add(handle);
    }
    if (this.next >= schedule.length) {
      this.settleIfIdle();
    } else if (this.inFlight.size < maxConcurrency) {
      this.timer.arm(runStart + (schedule[this.next] as number), this.pump);
    }
    // Otherwise the next finished request calls `pump` again.
  };

  private requestFinished(handle: InFlightRequest, record: RequestRecord): void {
    const wasFull = this.inFlight.size >= this.options.maxConcurrency;
    this.inFlight.delete(handle);
    this.finished++;
    this.lastFinishMs = performance.now() - this.options.runStart;
    this.onRecord(record);
    if (this.stopReason !== undefined || this.next >= this.share.schedule.length) this.settleIfIdle();
    else if (wasFull) this.pump();
  }

  private settleIfIdle(): void {
    if (this.inFlight.size > 0 || this.resolveRun === undefined) return;
    if (this.stopReason === undefined && this.next < this.share.schedule.length) return;
    const resolve = this.resolveRun;
    this.resolveRun = undefined;
    this.durationTimer.cancel();
    resolve(this.stopReason ?? "completed");
  }
}
