/**
 * `serve`: the serving benchmark as a suite test, with vLLM's metric keys. Random prompts of
 * exact lengths at a request rate and/or concurrency cap; see `kitt bench serve` for the
 * standalone command with every load shape.
 */
import { z } from "zod";
import { baseTestConfigSchema } from "../config/suite-schema.js";
import { SERVE_LOAD_DEFAULTS } from "../serve/load/defaults.js";
import { randomRequests, serveOnEngine } from "./engine-serve.js";
import type { Benchmark, BenchmarkOutcome, Metrics } from "./types.js";

const rateSchema = z.union([z.number().positive(), z.literal("inf")]);
/** A rate as suites write it: `inf` for everything at once. */
const rateSetting = (rate: number): number | "inf" => (Number.isFinite(rate) ? rate : "inf");

export const serveConfigSchema = baseTestConfigSchema.extend({
  num_prompts: z.number().int().positive().default(200),
  input_len: z.number().int().positive().default(256),
  output_len: z.number().int().positive().default(SERVE_LOAD_DEFAULTS.outputTokens),
  range_ratio: z.number().min(0).max(0.99).default(SERVE_LOAD_DEFAULTS.rangeRatio),
  request_rate: rateSchema.default(rateSetting(SERVE_LOAD_DEFAULTS.requestRate)),
  burstiness: z.number().positive().default(SERVE_LOAD_DEFAULTS.burstiness),
  max_concurrency: z.number().int().positive().optional(),
  warmup_requests: z.number().int().min(0).default(SERVE_LOAD_DEFAULTS.warmupRequests),
  seed: z.number().int().min(0).default(SERVE_LOAD_DEFAULTS.seed),
  slo: z.object({ ttft: z.number().positive().optional(), tpot: z.number().positive().optional(), e2el: z.number().positive().optional() }).optional(),
  percentiles: z.array(z.number().gt(0).lt(100)).default([...SERVE_LOAD_DEFAULTS.percentiles]),
  tokenizer: z.string().optional(),
});

export const serveBenchmark: Benchmark<typeof serveConfigSchema> = {
  name: "serve",
  category: "performance",
  version: "1.0.0",
  description: "Serving load with vLLM's metrics: TTFT, TPOT, ITL, E2EL, throughputs and goodput.",
  configSchema: serveConfigSchema,
  headlineMetrics: ["request_throughput", "output_throughput", "median_ttft_ms", "median_tpot_ms", "p99_itl_ms", "completed"],

  async run(ctx): Promise<BenchmarkOutcome> {
    const { config, engine, signal } = ctx;
    const requests = await randomRequests(engine, {
      numPrompts: config.num_prompts + (ctx.warmup ? config.warmup_requests : 0),
      inputTokens: config.input_len,
      outputTokens: config.output_len,
      rangeRatio: config.range_ratio,
      seed: config.seed,
      tokenizerPath: config.tokenizer,
    });
    // Warm-up prompts come from beyond the measured ones, so none of them is cached when measured.
    const run = await serveOnEngine(engine, requests.slice(0, config.num_prompts), {
      warmup: ctx.warmup ? requests.slice(config.num_prompts) : [],
      requestRate: config.request_rate === "inf" ? Number.POSITIVE_INFINITY : config.request_rate,
      distribution: config.burstiness === 1 ? "poisson" : "gamma",
      burstiness: config.burstiness,
      maxConcurrency: config.max_concurrency ?? Number.POSITIVE_INFINITY,
      seed: config.seed,
      slo: config.slo,
      percentiles: config.percentiles,
      signal,
      onProgress: (p) => ctx.onProgress({ phase: p.phase, completed: p.finished, total: p.total }),
    });
    const interrupted = run.stoppedBecause === "aborted";
    return {
      metrics: run.result as Metrics,
      errors: run.metrics.failed > 0 ? [`${run.metrics.failed} requests failed (${JSON.stringify(run.metrics.errors_by_kind)})`] : [],
      warmupTimes: [],
      passed: run.metrics.failed === 0 && !interrupted,
      partial: interrupted,
      cause: interrupted ? signal.reason : undefined,
    };
  },
};
