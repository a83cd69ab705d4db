/**
 * When each request of a paced run goes out, computed up front like vLLM's `bench serve` so the
 * sender only waits for absolute times (a relative sleep loop drifts and under-delivers).
 *
 * Request i is sent at the sum of gaps 0…i, so even the first request waits one gap, as in
 * vLLM. Gaps are 1/rate (`constant`), exponential with mean 1/rate (`poisson`), or gamma with
 * shape = burstiness and scale = 1/(rate·burstiness) (`gamma`: mean 1/rate, coefficient of
 * variation 1/√burstiness). Without a ramp-up the times are then rescaled so the last send lands
 * exactly at N/rate, which removes the 1–2% run-to-run wobble of a random sum; N sends over
 * N/rate seconds is exactly the target rate. With a ramp-up there is no single rate to rescale
 * to, so, as in vLLM, the times are left as drawn.
 */
import { KittError } from "../../errors.js";
import type { RampUp, ScheduleOptions } from "../types.js";
import { SeededRandom } from "./random.js";

/** Run-clock send time (ms) of every request; all zeros when the rate is infinite. */
export function buildSchedule(options: ScheduleOptions): Float64Array {
  validate(options);
  const { numRequests: count, requestRate, rampUp } = options;
  const times = new Float64Array(count);
  if (count === 0 || (rampUp === undefined && requestRate === Infinity)) return times;

  const random = new SeededRandom(options.seed);
  let elapsedS = 0;
  for (let index = 0; index < count; index++) {
    const rate = rampUp === undefined ? requestRate : rampedRate(rampUp, index, count);
    elapsedS += gapSeconds(options, rate, random);
    times[index] = elapsedS;
  }

  const lastS = times[count - 1] as number;
  // Gamma gaps of a tiny shape can all underflow to zero, leaving nothing to rescale.
  const rescale = rampUp === undefined && lastS > 0;
  const targetLastMs = (count / requestRate) * 1000;
  const factor = rescale ? targetLastMs / lastS : 1000;
  for (let index = 0; index < count; index++) times[index] = (times[index] as number) * factor;
  if (rescale) times[count - 1] = targetLastMs; // exact, not within a rounding of it
  return times;
}

/**
 * The rate in force for request `index` of `total` during a ramp-up, as vLLM computes it:
 * progress = index/(total − 1); linear interpolates start→end, exponential multiplies start by
 * (end/start)^progress.
 */
export function rampedRate(rampUp: RampUp, index: number, total: number): number {
  const progress = index / Math.max(total - 1, 1);
  if (rampUp.strategy === "linear") return rampUp.startRate + (rampUp.endRate - rampUp.startRate) * progress;
  return rampUp.startRate * (rampUp.endRate / rampUp.startRate) ** progress;
}

/**
 * Request rates for a sweep's paced runs, by GuideLLM's rule: after a synchronous run (one
 * request at a time) and a max-throughput run (everything at once) measured their request
 * rates, `count` runs follow at rates evenly spaced between the two, leaving out the synchronous
 * rate (already measured) and ending at the max-throughput rate:
 * rate_k = synchronous + k·(max − synchronous)/count for k = 1…count.
 */
export function buildSweepRates(synchronousRate: number, maxThroughputRate: number, count: number): number[] {
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new KittError("USAGE", `a sweep needs a positive whole number of rates, not ${count}`);
  }
  for (const rate of [synchronousRate, maxThroughputRate]) {
    if (!(rate > 0 && Number.isFinite(rate))) {
      throw new KittError("INTERNAL", `measured request rate ${rate} is not positive`);
    }
  }
  if (maxThroughputRate <= synchronousRate) {
    throw new KittError(
      "BENCHMARK_FAILED",
      `the max-throughput run (${maxThroughputRate} req/s) was not faster than the synchronous run ` +
        `(${synchronousRate} req/s); there is no range of rates to sweep`,
    );
  }
  const step = (maxThroughputRate - synchronousRate) / count;
  const rates = Array.from({ length: count }, (_, k) => synchronousRate + (k + 1) * step);
  rates[count - 1] = maxThroughputRate;
  return rates;
}

function gapSeconds(options: ScheduleOptions, rate: number, random: SeededRandom): number {
  switch (options.distribution) {
    case "constant":
      return 1 / rate;
    case "poisson":
      return random.exponential(1 / rate);
    case "gamma":
      return random.gamma(options.burstiness, 1 / (rate * options.burstiness));
  }
}

function validate(options: ScheduleOptions): void {
  const { numRequests, requestRate, distribution, burstiness, rampUp } = options;
  if (!Number.isSafeInteger(numRequests) || numRequests < 0) {
    throw new KittError("USAGE", `number of requests must be a whole number ≥ 0, not ${numRequests}`);
  }
  if (!(requestRate > 0)) {
    throw new KittError("USAGE", `request rate must be positive (or infinite), not ${requestRate}`);
  }
  if (distribution === "gamma" && !(burstiness > 0 && Number.isFinite(burstiness))) {
    throw new KittError(
      "USAGE",
      `burstiness must be a positive finite number, not ${burstiness} (constant arrivals have no burstiness)`,
    );
  }
  if (rampUp !== undefined) {
    for (const rate of [rampUp.startRate, rampUp.endRate]) {
      if (!(rate > 0 && Number.isFinite(rate))) {
        throw new KittError("USAGE", `ramp-up rates must be positive and finite, not ${rate}`);
      }
    }
  }
}
