/**
 * Quantiles estimated from cumulative histogram buckets the way PromQL's `histogram_quantile`
 * does: find the bucket holding the rank, interpolate linearly inside it (from 0 for the first
 * bucket), and answer the last finite bound when the rank falls in the `+Inf` bucket.
 */

export interface Bucket {
  /** Upper bound (`le`); the last bucket is `+Inf`. */
  le: number;
  /** Cumulative count of observations ≤ `le`. */
  count: number;
}

/** Buckets sorted by bound, with counts forced non-decreasing (float sums can dip by a hair). */
function normalizeBuckets(buckets: readonly Bucket[]): Bucket[] {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  let highest = 0;
  return sorted.map((bucket) => {
    highest = Math.max(highest, bucket.count);
    return { le: bucket.le, count: highest };
  });
}

/** The q-quantile (0 < q ≤ 1), or undefined without observations or without a `+Inf` bucket. */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number | undefined {
  const sorted = normalizeBuckets(buckets);
  const last = sorted[sorted.length - 1];
  if (!last || last.le !== Infinity || last.count <= 0 || sorted.length < 2 || !(q > 0 && q <= 1)) return undefined;
  const rank = q * last.count;
  const index = sorted.findIndex((bucket) => bucket.count >= rank);
  if (index === sorted.length - 1) return sorted[index - 1]!.le;
  const bucket = sorted[index]!;
  if (index === 0) return bucket.le <= 0 ? bucket.le : bucket.le * (rank / bucket.count);
  const below = sorted[index - 1]!;
  const inBucket = bucket.count - below.count;
  return below.le + (bucket.le - below.le) * ((rank - below.count) / inBucket);
}
