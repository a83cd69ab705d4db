/**
 * Peaks over the run's timeline, from completed requests only.
 *
 * 1-second buckets as vLLM defines them: bucket 0 starts at the earliest send of a completed
 * request, and there are ceil(span) + 1 buckets, span running to the latest end.
 *  - `max_output_tokens_per_s`: the fullest bucket, each chunk adding the tokens it carried
 *    (vLLM adds 1 per chunk; kitt counts tokens, see `chunk-tokens.ts`).
 *  - `max_concurrent_requests`: the fullest bucket, a request counting in every bucket from the
 *    one holding its send to the one holding its end, both included. A request ending at 1.9 s
 *    and one starting at 1.95 s both count in bucket 1, so this can exceed the true peak.
 * The exact peak of requests in flight, over half-open intervals [send, end), is
 * `peakConcurrentRequests` (newer vLLM versions move to it under the old name).
 */
import type { AccumulatedRun } from "./accumulator.js";

export interface PerSecondPeaks {
  maxOutputTokensPerS: number;
  maxConcurrentRequests: number;
}

export function perSecondPeaks(run: AccumulatedRun): PerSecondPeaks {
  const { sentMs, e2elMs, chunkStart, chunkMs, chunkTokens } = run;
  if (sentMs.length === 0) return { maxOutputTokensPerS: 0, maxConcurrentRequests: 0 };
  let firstSend = Infinity;
  let lastEnd = -Infinity;
  for (let request = 0; request < sentMs.length; request++) {
    firstSend = Math.min(firstSend, sentMs[request] as number);
    lastEnd = Math.max(lastEnd, (sentMs[request] as number) + (e2elMs[request] as number));
  }
  const buckets = Math.ceil((lastEnd - firstSend) / 1000) + 1;
  const bucketOf = (runClockMs: number): number => Math.floor((runClockMs - firstSend) / 1000);

  const tokens = new Float64Array(buckets);
  // Concurrency as a difference array: +1 at a request's first bucket, −1 after its last.
  const concurrencyDelta = new Float64Array(buckets + 1);
  for (let request = 0; request < sentMs.length; request++) {
    const sent = sentMs[request] as number;
    for (let chunk = chunkStart[request] as number; chunk < (chunkStart[request + 1] as number); chunk++) {
      const bucket = bucketOf(sent + (chunkMs[chunk] as number));
      if (bucket >= 0 && bucket < buckets) tokens[bucket] = (tokens[bucket] as number) + (chunkTokens[chunk] as number);
    }
    concurrencyDelta[bucketOf(sent)] = (concurrencyDelta[bucketOf(sent)] as number) + 1;
    const endBucket = bucketOf(sent + (e2elMs[request] as number));
    concurrencyDelta[endBucket + 1] = (concurrencyDelta[endBucket + 1] as number) - 1;
  }

  let maxTokens = 0;
  let maxConcurrent = 0;
  let concurrent = 0;
  for (let bucket = 0; bucket < buckets; bucket++) {
    maxTokens = Math.max(maxTokens, tokens[bucket] as number);
    concurrent += concurrencyDelta[bucket] as number;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
  }
  return { maxOutputTokensPerS: maxTokens, maxConcurrentRequests: maxConcurrent };
}

/** Most requests in flight at any instant; a request ending when another starts does not overlap it. */
export function peakConcurrentRequests(sentMs: Float64Array, e2elMs: Float64Array): number {
  const starts = sentMs.slice().sort();
  const ends = sentMs.map((sent, request) => sent + (e2elMs[request] as number)).sort();
  let inFlight = 0;
  let peak = 0;
  let nextEnd = 0;
  for (const start of starts) {
    while (nextEnd < ends.length && (ends[nextEnd] as number) <= start) {
      inFlight--;
      nextEnd++;
    }
    inFlight++;
    peak = Math.max(peak, inFlight);
  }
  return peak;
}
