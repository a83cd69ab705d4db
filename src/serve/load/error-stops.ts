/** The error-based stop rules of a run: too many failed requests, or too large a share of them. */
import type { StopReason } from "../dispatch/loop.js";
import type { RequestRecord } from "../types.js";

/** The error rate is only judged once this many requests finished, so one early failure cannot stop a run. */
export const MIN_REQUESTS_FOR_ERROR_RATE = 20;

export class ErrorStops {
  private finished = 0;
  private failed = 0;

  constructor(
    private readonly maxErrors: number,
    private readonly maxErrorRate: number,
    private readonly minRequestsForErrorRate = MIN_REQUESTS_FOR_ERROR_RATE,
  ) {}

  /** Counts a finished request; returns the rule it broke, if any. Aborted requests are the run's own doing and do not count. */
  observe(record: RequestRecord): Extract<StopReason, "max-errors" | "max-error-rate"> | undefined {
    if (record.error?.kind === "aborted") return undefined;
    this.finished++;
    if (!record.success) {
      this.failed++;
      if (this.failed >= this.maxErrors) return "max-errors";
    }
    // Judged on every request, so a success that completes the minimum count can stop the run too.
    if (this.finished >= this.minRequestsForErrorRate && this.failed / this.finished > this.maxErrorRate) return "max-error-rate";
    return undefined;
  }
}
