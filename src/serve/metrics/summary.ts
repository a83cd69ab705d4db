/**
 * Distribution summaries of latency samples with vLLM's key names: `mean_ttft_ms`,
 * `median_ttft_ms`, `std_ttft_ms`, `p99_ttft_ms`, `p99.9_ttft_ms`. The statistics are numpy's
 * (`src/stats.ts`); an empty sample gives nulls where vLLM would print zeros.
 */
import { mean, percentileOfSorted, std } from "../../stats.js";
import type { LatencyStats } from "../types.js";

/** vLLM's label for a percentile: whole numbers without a decimal point (99, 99.9). */
export function percentileLabel(p: number): string {
  return String(p);
}

/** The samples sorted ascending, as a plain array for `src/stats.ts`. */
export function sortedSamples(samples: Float64Array): number[] {
  return Array.from(samples.slice().sort());
}

export function summarizeSamples(samples: Float64Array, percentiles: readonly number[]): LatencyStats | null {
  if (samples.length === 0) return null;
  const sorted = sortedSamples(samples);
  const summary: LatencyStats = {
    mean: mean(sorted),
    median: percentileOfSorted(sorted, 50),
    std: std(sorted),
    percentiles: {},
  };
  for (const p of percentiles) summary.percentiles[percentileLabel(p)] = percentileOfSorted(sorted, p);
  return summary;
}

/** `mean_X_ms`, `median_X_ms`, `std_X_ms` and `pNN_X_ms`, all null for an empty sample. */
export type LatencyKeys<Name extends string> = {
  [Key in `mean_${Name}_ms` | `median_${Name}_ms` | `std_${Name}_ms` | `p${string}_${Name}_ms`]: number | null;
};

export function latencyKeys<Name extends string>(
  name: Name,
  stats: LatencyStats | null,
  percentiles: readonly number[],
): LatencyKeys<Name> {
  const keys: Record<string, number | null> = {
    [`mean_${name}_ms`]: stats?.mean ?? null,
    [`median_${name}_ms`]: stats?.median ?? null,
    [`std_${name}_ms`]: stats?.std ?? null,
  };
  for (const p of percentiles) {
    const label = percentileLabel(p);
    keys[`p${label}_${name}_ms`] = stats?.percentiles[label] ?? null;
  }
  return keys as LatencyKeys<Name>;
}
