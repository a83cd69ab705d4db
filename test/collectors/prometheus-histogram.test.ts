import { describe, expect, it } from "vitest";
import { histogramQuantile } from "../../src/collectors/prometheus/histogram-quantile.js";

// Cumulative buckets: 10 observations ≤ 0.1, 20 more ≤ 0.5, 10 more ≤ 1, 2 above.
const buckets = [
  { le: 0.1, count: 10 },
  { le: 0.5, count: 30 },
  { le: 1, count: 40 },
  { le: Infinity, count: 42 },
];

describe("histogramQuantile (PromQL's histogram_quantile)", () => {
  it("interpolates linearly inside the bucket that holds the rank", () => {
    // rank 21 of 42: 11th of the 20 observations in (0.1, 0.5].
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.1 + 0.4 * (11 / 20));
    // rank 37.8: 7.8th of the 10 in (0.5, 1].
    expect(histogramQuantile(0.9, buckets)).toBeCloseTo(0.5 + 0.5 * (7.8 / 10));
  });

  it("starts the first bucket at zero", () => {
    expect(histogramQuantile(0.1, buckets)).toBeCloseTo(0.1 * (4.2 / 10));
  });

  it("answers the highest finite bound when the rank falls in the +Inf bucket", () => {
    expect(histogramQuantile(0.99, buckets)).toBe(1);
  });

  it("sorts buckets and forces counts non-decreasing", () => {
    const shuffled = [buckets[3]!, buckets[1]!, { le: 1, count: 29.999999 }, buckets[0]!];
    expect(histogramQuantile(0.5, shuffled)).toBeCloseTo(histogramQuantile(0.5, [buckets[0]!, buckets[1]!, { le: 1, count: 30 }, buckets[3]!])!);
  });

  it("has no answer without observations, without a +Inf bucket, or for q outside (0, 1]", () => {
    expect(histogramQuantile(0.5, [{ le: 1, count: 0 }, { le: Infinity, count: 0 }])).toBeUndefined();
    expect(histogramQuantile(0.5, [{ le: 1, count: 3 }])).toBeUndefined();
    expect(histogramQuantile(0, buckets)).toBeUndefined();
    expect(histogramQuantile(1.5, buckets)).toBeUndefined();
  });
});
