/**
 * `warmup_analysis`: how much slower an engine's first requests are. It sends the same
 * request repeatedly with no warmup before it, so the first iteration is the cold start
 * (put it first in a suite: tests that run before it warm the engine).
 *
 * `stabilization_iteration` is the first iteration (1-based) from which every later latency
 * stays within `stable_tolerance` of the median of the second half of the run.
 */
import { z } from "zod";
import { baseTestConfigSchema, samplingShape } from "../config/suite-schema.js";
import { mean, median } from "../stats.js";
import { samplingRequest } from "./sampling.js";
import { runSequential } from "./sequential.js";
import type { Benchmark, BenchmarkOutcome, Metrics } from "./types.js";

export const warmupAnalysisConfigSchema = baseTestConfigSchema.extend({
  ...samplingShape,
  prompt: z.string().min(1).default("Explain in two sentences why the sky is blue."),
  iterations: z.number().int().min(2).default(10),
  max_tokens: z.number().int().positive().default(64),
  temperature: z.number().min(0).default(0),
  stable_tolerance: z.number().positive().default(0.1),
});

export const warmupAnalysisBenchmark: Benchmark<typeof warmupAnalysisConfigSchema> = {
  name: "warmup_analysis",
  category: "performance",
  version: "1.0.0",
  description: "Cold start: the first request's latency against the steady state (runs without warmup).",
  configSchema: warmupAnalysisConfigSchema,
  headlineMetrics: ["first_iteration_latency_ms", "subsequent_avg_latency_ms", "latency_reduction_percent", "stabilization_iteration"],

  async run(ctx): Promise<BenchmarkOutcome> {
    const { config } = ctx;
    const request = { ...samplingRequest(config), prompt: config.prompt, maxTokens: config.max_tokens };
    const run = await runSequential(ctx, Array.from({ length: config.iterations }, () => request), (result) => result.e2eMs);
    return {
      metrics: warmupMetrics(run.completed, config.stable_tolerance),
      errors: run.errors,
      warmupTimes: [],
      passed: run.errors.length === 0 && run.completed.length === config.iterations,
      partial: run.stopped,
      cause: run.cause,
    };
  },
};

export function warmupMetrics(latencies: readonly number[], tolerance: number): Metrics {
  const [first, ...rest] = latencies;
  if (first === undefined || rest.length === 0) {
    return { iterations: latencies.length, first_iteration_latency_ms: first ?? null, per_iteration_latencies_ms: [...latencies] };
  }
  const subsequent = mean(rest);
  const steady = median(latencies.slice(Math.floor(latencies.length / 2)));
  let stabilization = latencies.length;
  for (let i = latencies.length - 1; i >= 0; i--) {
    if (Math.abs((latencies[i] as number) - steady) > tolerance * steady) break;
    stabilization = i + 1;
  }
  return {
    iterations: latencies.length,
    first_iteration_latency_ms: first,
    subsequent_avg_latency_ms: subsequent,
    latency_reduction_percent: ((first - subsequent) / first) * 100,
    stabilization_iteration: stabilization,
    per_iteration_latencies_ms: [...latencies],
  };
}
