/**
 * `latency`: sequential streamed generations, reported as distributions: time to first token,
 * end-to-end latency, and per-token time after the first (vLLM's TPOT:
 * (E2EL − TTFT) / (output tokens − 1), only for requests with more than one output token).
 */
import { z } from "zod";
import { baseTestConfigSchema, samplingShape } from "../config/suite-schema.js";
import type { GenerateResult } from "../protocols/types.js";
import { summarize } from "../stats.js";
import { samplingRequest } from "./sampling.js";
import { cycledRequests, runSequential } from "./sequential.js";
import { THROUGHPUT_PROMPTS } from "./throughput-prompts.js";
import type { Benchmark, BenchmarkOutcome, Metrics } from "./types.js";
import { warmUp } from "./warmup.js";

export const latencyConfigSchema = baseTestConfigSchema.extend({
  ...samplingShape,
  prompts: z.array(z.string().min(1)).min(1).default([...THROUGHPUT_PROMPTS]),
  /** Requests in all, cycling through the prompts. */
  requests: z.number().int().positive().default(20),
  max_tokens: z.number().int().positive().default(128),
  temperature: z.number().min(0).default(0),
});

interface LatencySample {
  ttft_ms: number;
  total_latency_ms: number;
  /** Null when the request produced at most one token. */
  per_token_ms: number | null;
  output_tokens: number;
}

export const latencyBenchmark: Benchmark<typeof latencyConfigSchema> = {
  name: "latency",
  category: "performance",
  version: "1.0.0",
  description: "Sequential streamed requests: TTFT, end-to-end latency and per-token time distributions.",
  configSchema: latencyConfigSchema,
  headlineMetrics: ["ttft_ms.p50", "ttft_ms.p99", "total_latency_ms.p50", "per_token_ms.avg", "requests"],

  async run(ctx): Promise<BenchmarkOutcome> {
    const { config } = ctx;
    const sampling = samplingRequest(config);
    const warmupTimes = await warmUp(ctx, sampling);
    const requests = cycledRequests(config.prompts, config.requests, { ...sampling, maxTokens: config.max_tokens });
    const run = await runSequential(ctx, requests, latencySample);
    return {
      metrics: latencyMetrics(run.completed, run.failed),
      errors: run.errors,
      warmupTimes,
      passed: run.errors.length === 0,
      partial: run.stopped,
      cause: run.cause,
    };
  },
};

function latencySample(result: GenerateResult): LatencySample {
  const tokens = result.completionTokens ?? result.chunkTimes.length;
  return {
    ttft_ms: result.ttftMs,
    total_latency_ms: result.e2eMs,
    per_token_ms: tokens > 1 ? (result.e2eMs - result.ttftMs) / (tokens - 1) : null,
    output_tokens: tokens,
  };
}

export function latencyMetrics(samples: readonly LatencySample[], failed: number): Metrics {
  const perToken = samples.flatMap((s) => (s.per_token_ms === null ? [] : [s.per_token_ms]));
  const stats = (values: number[]) => (values.length > 0 ? { ...summarize(values) } : null);
  return {
    requests: samples.length,
    failed_requests: failed,
    ttft_ms: stats(samples.map((s) => s.ttft_ms)),
    total_latency_ms: stats(samples.map((s) => s.total_latency_ms)),
    per_token_ms: stats(perToken),
    per_token_samples: perToken.length,
  };
}
