import { describe, expect, it } from "vitest";
import { KittError } from "../src/errors.js";
import { mean, median, percentile, percentileOfSorted, std, summarize } from "../src/stats.js";

describe("percentile", () => {
  it("interpolates linearly between ranks", () => {
    // index (4 - 1) * 0.99 = 2.97 → 3 + 0.97 * (4 - 3)
    expect(percentile([1, 2, 3, 4], 99)).toBeCloseTo(3.97, 12);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    // index 4 * 0.4 = 1.6 → 20 + 0.6 * (35 - 20)
    expect(percentile([15, 20, 35, 40, 50], 40)).toBeCloseTo(29, 12);
  });

  it("does not collapse a high percentile of few samples onto the maximum", () => {
    const tenSamples = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(tenSamples, 99)).toBeCloseTo(9.91, 12);
    expect(percentile(tenSamples, 99)).toBeLessThan(10);
  });

  it("matches numpy.percentile to the last bit", () => {
    // Expected values printed by numpy.percentile (default method "linear").
    const values = [12.7, 3.3, 8.9, 100.25, 41.5, 0.75, 19.2];
    expect(percentile(values, 95)).toBe(82.62499999999996);
    expect(percentile(values, 99)).toBe(96.72499999999997);
    expect(percentile(values, 37.5)).toBe(9.85);
    expect(percentile([1, 2, 3, 4], 99)).toBe(3.9699999999999998);
    expect(percentile([0.1, 0.2, 0.3], 70)).toBe(0.24);
    expect(percentile([1.1, 2.3, 5.7, 9.1, 0.4], 33)).toBe(1.484);
  });

  it("handles the ends, a single sample and unsorted input", () => {
    expect(percentile([4, 1, 3, 2], 0)).toBe(1);
    expect(percentile([4, 1, 3, 2], 100)).toBe(4);
    expect(percentile([7], 99)).toBe(7);
    expect(percentileOfSorted([1, 2, 3, 4], 25)).toBe(1.75);
  });

  it("rejects an empty sample and a percentile outside 0–100", () => {
    expect(() => percentile([], 50)).toThrow(KittError);
    expect(() => percentile([1], 101)).toThrow(/outside/);
    expect(() => percentile([1], -1)).toThrow(/outside/);
    expect(() => percentile([1], Number.NaN)).toThrow(/outside/);
  });
});

describe("mean, median, std", () => {
  it("computes the mean and median", () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it("uses the population standard deviation (divides by n)", () => {
    // mean 5, squared deviations sum to 32, 32 / 8 = 4
    expect(std([2, 4, 4, 4, 5, 5, 7, 9])).toBe(2);
    expect(std([5])).toBe(0);
  });

  it("rejects empty samples", () => {
    expect(() => mean([])).toThrow(KittError);
    expect(() => std([])).toThrow(KittError);
  });
});

describe("summarize", () => {
  it("gives avg, min, max, p50, p95, p99 and std_dev", () => {
    expect(summarize([10, 9, 8, 7, 6, 5, 4, 3, 2, 1])).toEqual({
      avg: 5.5,
      min: 1,
      max: 10,
      p50: 5.5,
      p95: 9.549999999999999,
      p99: 9.91,
      std_dev: Math.sqrt(8.25),
    });
  });

  it("rejects an empty sample", () => {
    expect(() => summarize([])).toThrow(KittError);
  });
});
