import { describe, expect, it } from "vitest";
import { KittError } from "../../../src/errors.js";
import { SeededRandom } from "../../../src/serve/load/random.js";
import { buildSchedule, buildSweepRates, rampedRate } from "../../../src/serve/load/schedule.js";
import type { ScheduleOptions } from "../../../src/serve/types.js";

const BASE: ScheduleOptions = { numRequests: 20_000, requestRate: 50, distribution: "poisson", burstiness: 1, seed: 42 };

/** Gaps between sends, the first measured from the run's start. */
function gapsOf(times: Float64Array): number[] {
  return Array.from(times, (time, index) => time - (index === 0 ? 0 : (times[index - 1] as number)));
}

function meanAndCv(values: number[]): { mean: number; cv: number } {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length;
  return { mean, cv: Math.sqrt(variance) / mean };
}

describe("buildSchedule", () => {
  it("sends everything at once at an infinite rate", () => {
    const times = buildSchedule({ ...BASE, numRequests: 5, requestRate: Infinity });
    expect(Array.from(times)).toEqual([0, 0, 0, 0, 0]);
    expect(buildSchedule({ ...BASE, numRequests: 0 })).toHaveLength(0);
  });

  it("spaces constant arrivals 1/rate apart, the first one gap after the start, like vLLM", () => {
    const times = buildSchedule({ ...BASE, numRequests: 4, requestRate: 8, distribution: "constant" });
    // 1000 / 8 = 125 ms apart; 4 sends over 4 / 8 s
    expect(Array.from(times)).toEqual([125, 250, 375, 500]);
  });

  it("draws Poisson gaps: mean 1/rate, coefficient of variation 1", () => {
    const { mean, cv } = meanAndCv(gapsOf(buildSchedule(BASE)));
    expect(mean).toBeCloseTo(20, 9); // exactly 1000 / 50 ms after the rescale
    expect(cv).toBeGreaterThan(0.97);
    expect(cv).toBeLessThan(1.03);
  });

  it.each([
    [4, 0.5],
    [0.25, 2],
  ])("draws gamma gaps with burstiness %s: coefficient of variation 1/√burstiness = %s", (burstiness, expectedCv) => {
    const times = buildSchedule({ ...BASE, distribution: "gamma", burstiness });
    const { mean, cv } = meanAndCv(gapsOf(times));
    expect(mean).toBeCloseTo(20, 9);
    expect(cv / expectedCv).toBeGreaterThan(0.95);
    expect(cv / expectedCv).toBeLessThan(1.05);
  });

  it("lands the last send exactly at N/rate and never goes back in time", () => {
    const gamma: ScheduleOptions = { ...BASE, distribution: "gamma", burstiness: 0.5 };
    for (const options of [BASE, gamma, { ...BASE, requestRate: 3, numRequests: 7 }]) {
      const times = buildSchedule(options);
      expect(times[times.length - 1]).toBe((options.numRequests / options.requestRate) * 1000);
      expect(gapsOf(times).every((gap) => gap >= 0)).toBe(true);
    }
  });

  it("repeats itself for a seed and changes with it", () => {
    expect(buildSchedule({ ...BASE, numRequests: 100 })).toEqual(buildSchedule({ ...BASE, numRequests: 100 }));
    expect(buildSchedule({ ...BASE, numRequests: 100, seed: 43 })).not.toEqual(buildSchedule({ ...BASE, numRequests: 100 }));
  });

  it("raises a constant rate linearly or exponentially across the requests", () => {
    const constant = { ...BASE, distribution: "constant" } as const;
    const linear = gapsOf(
      buildSchedule({ ...constant, numRequests: 11, rampUp: { strategy: "linear", startRate: 1, endRate: 11 } }),
    );
    // request i goes out 1/(1 + i) s after the previous one: rates 1, 2, …, 11
    expect(linear.map((gap) => 1000 / gap)).toEqual(linear.map((_, i) => expect.closeTo(1 + i, 9)));

    const exponential = gapsOf(
      buildSchedule({ ...constant, numRequests: 5, rampUp: { strategy: "exponential", startRate: 1, endRate: 16 } }),
    );
    // rates 1 · 16^(i/4) = 1, 2, 4, 8, 16
    expect(exponential).toEqual([1000, 500, 250, 125, 62.5].map((gap) => expect.closeTo(gap, 9)));
  });

  it("raises a Poisson rate across the requests without rescaling", () => {
    const ramp = { strategy: "linear", startRate: 10, endRate: 100 } as const;
    const gaps = gapsOf(buildSchedule({ ...BASE, rampUp: ramp }));
    const tenth = gaps.length / 10;
    // Rate of each tenth of the requests vs the one its ramped rates promise (1000 / mean of 1000/rate);
    // 2,000 gaps give a standard error of about 2%.
    let previous = 0;
    for (let d = 0; d < 10; d++) {
      const indexes = Array.from({ length: tenth }, (_, k) => d * tenth + k);
      const achieved = 1000 / meanAndCv(indexes.map((index) => gaps[index] as number)).mean;
      const promised = 1000 / meanAndCv(indexes.map((index) => 1000 / rampedRate(ramp, index, gaps.length))).mean;
      expect(achieved / promised).toBeGreaterThan(0.92);
      expect(achieved / promised).toBeLessThan(1.08);
      expect(achieved).toBeGreaterThan(previous);
      previous = achieved;
    }
  });

  it("rejects nonsense", () => {
    expect(() => buildSchedule({ ...BASE, requestRate: 0 })).toThrow(KittError);
    expect(() => buildSchedule({ ...BASE, requestRate: -3 })).toThrow(/request rate/);
    expect(() => buildSchedule({ ...BASE, numRequests: 1.5 })).toThrow(/whole number/);
    expect(() => buildSchedule({ ...BASE, distribution: "gamma", burstiness: 0 })).toThrow(/burstiness/);
    expect(() => buildSchedule({ ...BASE, rampUp: { strategy: "linear", startRate: 0, endRate: 5 } })).toThrow(/ramp-up/);
    expect(() => buildSchedule({ ...BASE, seed: 0.5 })).toThrow(/seed/);
  });
});

describe("rampedRate", () => {
  it("follows vLLM's progress index/(N − 1)", () => {
    const ramp = { strategy: "linear", startRate: 2, endRate: 6 } as const;
    expect([0, 1, 2].map((index) => rampedRate(ramp, index, 3))).toEqual([2, 4, 6]);
    expect(rampedRate({ ...ramp, strategy: "exponential" }, 1, 3)).toBeCloseTo(2 * Math.sqrt(3), 12);
    expect(rampedRate(ramp, 0, 1)).toBe(2);
  });
});

describe("SeededRandom", () => {
  const random = new SeededRandom(2024);
  const draw = (sample: () => number) => meanAndCv(Array.from({ length: 50_000 }, sample));

  it("draws uniforms in [0, 1)", () => {
    const values = Array.from({ length: 10_000 }, () => random.uniform());
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
    expect(meanAndCv(values).mean).toBeCloseTo(0.5, 2);
  });

  it.each([0.3, 1, 2.5, 9])("draws gamma with shape %s: mean shape·scale, CV 1/√shape", (shape) => {
    const { mean, cv } = draw(() => random.gamma(shape, 2));
    expect(mean / (shape * 2)).toBeCloseTo(1, 1);
    expect(cv * Math.sqrt(shape)).toBeCloseTo(1, 1);
  });

  it("draws exponentials and normals with the right moments", () => {
    const exponential = draw(() => random.exponential(3));
    expect(exponential.mean).toBeCloseTo(3, 1);
    expect(exponential.cv).toBeCloseTo(1, 1);
    const normals = Array.from({ length: 50_000 }, () => random.normal());
    const normalMean = normals.reduce((sum, value) => sum + value, 0) / normals.length;
    const normalVariance = normals.reduce((sum, value) => sum + value * value, 0) / normals.length;
    expect(normalMean).toBeCloseTo(0, 1);
    expect(normalVariance).toBeCloseTo(1, 1);
  });
});

describe("buildSweepRates", () => {
  it("spaces rates evenly from the synchronous rate, left out, to the max-throughput rate, kept", () => {
    expect(buildSweepRates(1, 11, 5)).toEqual([3, 5, 7, 9, 11]);
    expect(buildSweepRates(2, 4, 1)).toEqual([4]);
    // GuideLLM: numpy.linspace(0.7, 13.3, 8)[1:]
    const guideLlm = [2.5, 4.3, 6.1, 7.9, 9.7, 11.5, 13.3];
    expect(buildSweepRates(0.7, 13.3, 7)).toEqual(guideLlm.map((rate) => expect.closeTo(rate, 12)));
  });

  it("refuses a max-throughput rate not above the synchronous one, and a bad count", () => {
    expect(() => buildSweepRates(5, 5, 3)).toThrow(/not faster/);
    expect(() => buildSweepRates(5, 4, 3)).toThrow(KittError);
    expect(() => buildSweepRates(1, 4, 0)).toThrow(/positive whole number/);
    expect(() => buildSweepRates(0, 4, 2)).toThrow(/not positive/);
  });
});
