import { describe, expect, it } from "vitest";
import { ServeAccumulator } from "../../../src/serve/metrics/accumulator.js";
import { peakConcurrentRequests, perSecondPeaks } from "../../../src/serve/metrics/timeline.js";
import type { RequestRecord } from "../../../src/serve/types.js";

/** A completed request sent at `sentMs` whose chunks arrive `chunkMs` after it, one token each unless given. */
function request(sentMs: number, chunkMs: number[], chunkTokens: number[] | null = null): RequestRecord {
  const tokens = chunkTokens?.reduce((sum, count) => sum + count, 0) ?? chunkMs.length;
  return {
    index: 0,
    scheduledMs: null,
    sentMs,
    writtenMs: sentMs,
    success: true,
    ttftMs: chunkMs[0] as number,
    ttftContentMs: chunkMs[0] as number,
    e2elMs: chunkMs[chunkMs.length - 1] as number,
    chunkMs,
    chunkTokens,
    promptTokens: 1,
    outputTokens: tokens,
    clientOutputTokens: tokens,
    requestedOutputTokens: tokens,
    serverPromptTokens: null,
    generatedText: null,
    error: null,
  };
}

function peaksOf(records: RequestRecord[]) {
  const accumulator = new ServeAccumulator();
  for (const record of records) accumulator.add(record);
  const run = accumulator.snapshot();
  return { ...perSecondPeaks(run), peak: peakConcurrentRequests(run.sentMs, run.e2elMs) };
}

describe("perSecondPeaks", () => {
  it("counts tokens, not chunks", () => {
    // 2 chunks carrying 3 + 5 tokens in the same second
    expect(peaksOf([request(0, [100, 200], [3, 5])]).maxOutputTokensPerS).toBe(8);
  });

  it("starts the buckets at the first completed send, as vLLM does", () => {
    // sent at 700, chunks at 900 and 1100: both in [700, 1700), not split at 1000
    expect(peaksOf([request(700, [200, 400])]).maxOutputTokensPerS).toBe(2);
  });

  it("finds the fullest second over several requests", () => {
    // A sent at 0: chunks at 100, 600, 1100; B sent at 900: chunks at 1000, 1500, 1950
    // bucket 0 [0, 1000): A 100, 600 → 2; bucket 1 [1000, 2000): A 1100, B 1000, 1500, 1950 → 4
    const peaks = peaksOf([request(0, [100, 600, 1100]), request(900, [100, 600, 1050])]);
    expect(peaks.maxOutputTokensPerS).toBe(4);
    expect(peaks.maxConcurrentRequests).toBe(2);
    expect(peaks.peak).toBe(2);
  });

  it("counts requests touching the same second as concurrent, like vLLM; the exact peak does not", () => {
    // [0, 1000) and [1000, 1500): the first ends where the second starts
    const touching = peaksOf([request(0, [500, 1000]), request(1000, [200, 500])]);
    expect(touching.maxConcurrentRequests).toBe(2);
    expect(touching.peak).toBe(1);
    // three back-to-back requests inside one second
    const sequential = peaksOf([request(0, [100, 200]), request(250, [100, 200]), request(500, [100, 200])]);
    expect(sequential.maxConcurrentRequests).toBe(3);
    expect(sequential.peak).toBe(1);
  });

  it("is zero without completed requests", () => {
    expect(peaksOf([])).toEqual({ maxOutputTokensPerS: 0, maxConcurrentRequests: 0, peak: 0 });
  });
});

describe("peakConcurrentRequests", () => {
  it("counts overlapping half-open intervals", () => {
    // [0, 10) [5, 15) [9, 20) [15, 16): at 9 three are in flight; at 15 the second has left
    const sent = Float64Array.from([0, 5, 9, 15]);
    const e2el = Float64Array.from([10, 10, 11, 1]);
    expect(peakConcurrentRequests(sent, e2el)).toBe(3);
  });
});
