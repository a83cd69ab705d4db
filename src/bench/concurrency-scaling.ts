/**
 * `concurrency_scaling`: the same serving load at rising concurrency caps (1, 4, 8, 16, …),
 * unpaced, to find where throughput stops growing. `optimal_concurrency` is the level with
 * the highest output throughput; `knee_concurrency` the smallest level reaching
 * `knee_fraction` of that throughput (usually the better setting: same speed, lower latency).
 */
import { z } from "zod";
import { baseTestConfigSchema } from "../config/suite-schema.js";
import type { ServeMetrics } from "../serve/metrics/serve-metrics.js";
import { randomRequests, serveOnEngine } from "./engine-serve.js";
import type { Benchmark, BenchmarkOutcome, Metrics } from "./types.js";

export const concurrencyScalingConfigSchema = baseTestConfigSchema.extend({
  levels: z.array(z.number().int().positive()).min(1).default([1, 4, 8, 16, 32]),
  /** Requests per level: this many per unit of concurrency, at least `min_requests`. */
  requests_per_slot: z.number().int().positive().default(4),
  min_requests: z.number().int().positive().default(16),
  input_len: z.number().int().positive().default(256),
  output_len: z.number().int().positive().default(128),
  knee_fraction: z.number().gt(0).max(1).default(0.9),
  seed: z.number().int().min(0).default(0),
  tokenizer: z.string().optional(),
});

interface Level {
  concurrency: number;
  completed: number;
  failed: number;
  request_throughput: number | null;
  output_throughput: number | null;
  mean_ttft_ms: number | null;
  p99_ttft_ms: number | null;
  mean_tpot_ms: number | null;
  mean_e2el_ms: number | null;
}

export const concurrencyScalingBenchmark: Benchmark<typeof concurrencyScalingConfigSchema> = {
  name: "concurrency_scaling",
  category: "performance",
  version: "1.0.0",
  description: "Throughput and latency at rising concurrency; finds the optimal concurrency.",
  configSchema: concurrencyScalingConfigSchema,
  headlineMetrics: ["optimal_concurrency", "knee_concurrency", "max_output_throughput"],

  async run(ctx): Promise<BenchmarkOutcome> {
    const { config, engine, signal } = ctx;
    const levels = [...new Set(config.levels)].sort((a, b) => a - b);
    const perLevel = (c: number) => Math.max(config.min_requests, c * config.requests_per_slot);
    const measured = Math.max(...levels.map(perLevel));
    // Warm-up prompts come from beyond the measured ones, so none of them is cached when measured.
    const warmupCount = ctx.warmup ? Math.min(levels[0] ?? 1, 4) : 0;
    const requests = await randomRequests(engine, {
      numPrompts: measured + warmupCount,
      inputTokens: config.input_len,
      outputTokens: config.output_len,
      seed: config.seed,
      tokenizerPath: config.tokenizer,
    });
    const results: Level[] = [];
    const errors: string[] = [];
    for (const [index, concurrency] of levels.entries()) {
      if (signal.aborted) break;
      const run = await serveOnEngine(engine, requests.slice(0, perLevel(concurrency)), {
        maxConcurrency: concurrency,
        warmup: index === 0 ? requests.slice(measured) : [],
        signal,
      });
      results.push(level(concurrency, run.metrics));
      if (run.metrics.failed > 0) errors.push(`concurrency ${concurrency}: ${run.metrics.failed} requests failed`);
      ctx.onProgress({ phase: "measure", completed: index + 1, total: levels.length, message: `concurrency ${concurrency}` });
    }
    const interrupted = signal.aborted;
    return {
      metrics: scalingMetrics(results, config.knee_fraction),
      errors,
      warmupTimes: [],
      passed: errors.length === 0 && !interrupted,
      partial: interrupted,
      cause: interrupted ? signal.reason : undefined,
    };
  },
};

function level(concurrency: number, m: ServeMetrics): Level {
  return {
    concurrency,
    completed: m.completed,
    failed: m.failed,
    request_throughput: m.request_throughput,
    output_throughput: m.output_throughput,
    mean_ttft_ms: m.mean_ttft_ms,
    p99_ttft_ms: m.p99_ttft_ms ?? null,
    mean_tpot_ms: m.mean_tpot_ms,
    mean_e2el_ms: m.mean_e2el_ms,
  };
}

export function scalingMetrics(levels: readonly Level[], kneeFraction: number): Metrics {
  const measured = levels.filter((l) => l.output_throughput !== null);
  const best = measured.reduce<Level | undefined>((top, l) => (top === undefined || (l.output_throughput ?? 0) > (top.output_throughput ?? 0) ? l : top), undefined);
  const max = best?.output_throughput ?? null;
  const knee = max === null ? undefined : measured.find((l) => (l.output_throughput ?? 0) >= kneeFraction * max);
  return {
    optimal_concurrency: best?.concurrency ?? null,
    knee_concurrency: knee?.concurrency ?? null,
    max_output_throughput: max,
    levels: levels.map((l) => ({ ...l })),
  };
}
