/** Histograms and CDFs as arrays a chart can draw directly. */

export interface Histogram {
  /** Bin centres. */
  centers: number[];
  counts: number[];
  binWidth: number;
}

/** Equal-width bins from the smallest to the largest value; the bin count grows as √n, capped. */
export function histogram(values: readonly number[], maxBins = 40): Histogram {
  if (values.length === 0) return { centers: [], counts: [], binWidth: 0 };
  const min = values.reduce((a, b) => Math.min(a, b));
  const max = maxOf(values);
  const bins = max === min ? 1 : Math.min(maxBins, Math.max(5, Math.ceil(Math.sqrt(values.length))));
  const width = max === min ? Math.max(1, Math.abs(min) * 0.1) : (max - min) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const value of values) counts[Math.min(bins - 1, Math.floor((value - min) / width))]! += 1;
  const start = max === min ? min - width / 2 : min;
  return { centers: counts.map((_, i) => start + (i + 0.5) * width), counts, binWidth: width };
}

/** Share of `values` at or below each point of `grid`, in [0, 1]. */
export function cdfOnGrid(values: readonly number[], grid: readonly number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  let below = 0;
  return grid.map((x) => {
    while (below < sorted.length && (sorted[below] as number) <= x) below += 1;
    return sorted.length === 0 ? 0 : below / sorted.length;
  });
}

/** `points` evenly spaced values from 0 to the largest of the series. */
export function linearGrid(series: ReadonlyArray<readonly number[]>, points = 200): number[] {
  const max = series.reduce((top, values) => Math.max(top, maxOf(values)), 0);
  return Array.from({ length: points + 1 }, (_, i) => (max * i) / points);
}

/** The largest value without spreading (pooled ITLs can exceed the engine's argument limit). */
function maxOf(values: readonly number[]): number {
  return values.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
}
