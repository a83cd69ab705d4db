/**
 * Sample statistics with numpy's definitions, so kitt's numbers match other tools on the
 * same samples: percentiles by linear interpolation (numpy's default method) and the
 * population standard deviation (numpy's `std` with `ddof=0`).
 */
import { KittError } from "./errors.js";

export interface Summary {
  avg: number;
  min: number;
  max: number;
  p50: number;
  p95: number;
  p99: number;
  std_dev: number;
}

function requireSamples(values: readonly number[], what: string): void {
  if (values.length === 0) throw new KittError("INTERNAL", `${what} of an empty sample`);
}

/**
 * The `p`th percentile (0–100) of samples already sorted ascending, interpolated linearly
 * between the two nearest ranks like `numpy.percentile`. Use this in loops to sort once.
 */
export function percentileOfSorted(sorted: readonly number[], p: number): number {
  requireSamples(sorted, "percentile");
  if (!(p >= 0 && p <= 100)) throw new KittError("INTERNAL", `percentile ${p} is outside 0–100`);
  const index = (sorted.length - 1) * (p / 100);
  const below = Math.floor(index);
  const above = Math.min(below + 1, sorted.length - 1);
  const a = sorted[below] as number;
  const b = sorted[above] as number;
  const t = index - below;
  // numpy's lerp: interpolate from the nearer end so results match it to the last bit.
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

/** The `p`th percentile (0–100) of unsorted samples; see `percentileOfSorted`. */
export function percentile(values: readonly number[], p: number): number {
  return percentileOfSorted(sortAscending(values), p);
}

export function mean(values: readonly number[]): number {
  requireSamples(values, "mean");
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Population standard deviation (divides by n, like numpy's default). */
export function std(values: readonly number[]): number {
  const average = mean(values);
  let squares = 0;
  for (const value of values) squares += (value - average) ** 2;
  return Math.sqrt(squares / values.length);
}

export function summarize(values: readonly number[]): Summary {
  const sorted = sortAscending(values);
  requireSamples(sorted, "summary");
  return {
    avg: mean(sorted),
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
    p50: percentileOfSorted(sorted, 50),
    p95: percentileOfSorted(sorted, 95),
    p99: percentileOfSorted(sorted, 99),
    std_dev: std(sorted),
  };
}

function sortAscending(values: readonly number[]): number[] {
  return [...values].sort((x, y) => x - y);
}
