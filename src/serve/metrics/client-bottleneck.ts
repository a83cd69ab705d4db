/**
 * Whether the client or its connections, rather than the engine, limited a run. TTFT and E2EL
 * count from the hand-over to a connection (vLLM's start), so time spent waiting for a
 * connection shows up as engine latency, and a schedule the client could not keep shows up as
 * a lower load than asked for. A run is flagged, with one reason per rule it broke, when:
 *  - requests never reached the server (connecting failed, timed out or was reset), or were
 *    still waiting for a connection when the run stopped;
 *  - waiting for a connection is a sizeable part of TTFT (mean wait ≥ 10 % of mean TTFT, with a
 *    p99 wait over 10 ms, so a handful of fresh connections on a healthy run do not count);
 *  - with a request rate and no concurrency cap (a cap delays sends on purpose): the requests
 *    that reached the server came at under 90 % of the target rate, or sends left more than
 *    10 ms late at p99.
 */

export const BOTTLENECK_LIMITS = {
  /** Achieved over target request rate below this is a shortfall. */
  minRateRatio: 0.9,
  sendLagP99Ms: 10,
  connectionWaitP99Ms: 10,
  /** Mean connection wait over mean TTFT at or above this. */
  connectionWaitShareOfTtft: 0.1,
} as const;

export interface DeliveryFigures {
  /** Requests per second the schedule aimed at; null when unpaced or ramped. */
  targetRate: number | null;
  achievedRate: number | null;
  /** A finite concurrency cap: sends wait for free slots by design. */
  capped: boolean;
  sendLagP99Ms: number | null;
  connectionWaitMeanMs: number | null;
  connectionWaitP99Ms: number | null;
  meanTtftMs: number | null;
  connectionFailures: number;
  stoppedWhileConnecting: number;
}

/** The reasons the client or its connections limited the run; empty when nothing did. */
export function clientBottleneckReasons(figures: DeliveryFigures): string[] {
  const reasons: string[] = [];
  const ms = (value: number): string => `${value.toFixed(1)} ms`;
  if (figures.connectionFailures > 0) {
    reasons.push(`${figures.connectionFailures} requests never reached the server (connecting failed, timed out or the connection was reset)`);
  }
  if (figures.stoppedWhileConnecting > 0) {
    reasons.push(`${figures.stoppedWhileConnecting} requests were still waiting for a connection when the run stopped`);
  }
  const { connectionWaitMeanMs: waitMean, connectionWaitP99Ms: waitP99, meanTtftMs: ttft } = figures;
  if (
    waitMean !== null &&
    waitP99 !== null &&
    ttft !== null &&
    waitP99 > BOTTLENECK_LIMITS.connectionWaitP99Ms &&
    waitMean >= BOTTLENECK_LIMITS.connectionWaitShareOfTtft * ttft
  ) {
    reasons.push(
      `waiting for a connection took ${ms(waitMean)} on average (p99 ${ms(waitP99)}), ${Math.round((waitMean / ttft) * 100)}% of the mean TTFT, which includes it`,
    );
  }
  if (!figures.capped && figures.targetRate !== null) {
    const { targetRate, achievedRate, sendLagP99Ms } = figures;
    if (achievedRate !== null && achievedRate < BOTTLENECK_LIMITS.minRateRatio * targetRate) {
      reasons.push(`requests reached the server at ${achievedRate.toFixed(2)} req/s of the ${targetRate} req/s target`);
    }
    if (sendLagP99Ms !== null && sendLagP99Ms > BOTTLENECK_LIMITS.sendLagP99Ms) {
      reasons.push(`sends left up to ${ms(sendLagP99Ms)} after their scheduled time (p99 send lag): the client did not keep to the schedule`);
    }
  }
  return reasons;
}
