/**
 * Per-request latency samples of completed requests, by vLLM's definitions (ms):
 *  - TTFT: first chunk carrying `choices` − send;
 *  - TPOT: (E2EL − TTFT) / (output tokens − 1), only for requests with more than one output token;
 *  - ITL: every gap between consecutive chunks, pooled over all requests (per chunk, not per token);
 *  - E2EL: last chunk − send.
 * Plus kitt's TTFT to the first non-empty content, for requests that had any.
 */
import type { AccumulatedRun } from "./accumulator.js";

export interface LatencySamples {
  ttft: Float64Array;
  ttftContent: Float64Array;
  tpot: Float64Array;
  itl: Float64Array;
  e2el: Float64Array;
}

/** TPOT of completed request `request`, or null with one output token or none. */
export function requestTpotMs(run: AccumulatedRun, request: number): number | null {
  const outputTokens = run.outputTokens[request] as number;
  if (outputTokens <= 1) return null;
  return ((run.e2elMs[request] as number) - (run.ttftMs[request] as number)) / (outputTokens - 1);
}

export function latencySamples(run: AccumulatedRun): LatencySamples {
  const { completed, chunkStart, chunkMs, ttftContentMs } = run;
  const tpot: number[] = [];
  const ttftContent: number[] = [];
  const itl = new Float64Array(chunkMs.length - completed);
  let gaps = 0;
  for (let request = 0; request < completed; request++) {
    const requestTpot = requestTpotMs(run, request);
    if (requestTpot !== null) tpot.push(requestTpot);
    const contentMs = ttftContentMs[request] as number;
    if (!Number.isNaN(contentMs)) ttftContent.push(contentMs);
    for (let chunk = (chunkStart[request] as number) + 1; chunk < (chunkStart[request + 1] as number); chunk++) {
      itl[gaps++] = (chunkMs[chunk] as number) - (chunkMs[chunk - 1] as number);
    }
  }
  return {
    ttft: run.ttftMs,
    ttftContent: Float64Array.from(ttftContent),
    tpot: Float64Array.from(tpot),
    itl,
    e2el: run.e2elMs,
  };
}
