/**
 * `throughput`: prompts sent one at a time, each measured end to end. Tokens per second is
 * the completion token count (the server's own, when it reports one) divided by the request's
 * end-to-end time, so it includes prefill and is comparable across engines.
 *
 * Failures and early stops are handled as in every sequential test (`sequential.ts`).
 */
import { z } from "zod";
import { baseTestConfigSchema, samplingShape } from "../config/suite-schema.js";
import type { GenerateResult } from "../protocols/types.js";
import { mean, percentileOfSorted } from "../stats.js";
import { samplingRequest } from "./sampling.js";
import { cycledRequests, runSequential } from "./sequential.js";
import { THROUGHPUT_PROMPTS } from "./throughput-prompts.js";
import type { Benchmark, BenchmarkOutcome, Metrics } from "./types.js";
import { warmUp } from "./warmup.js";

export const throughputConfigSchema = baseTestConfigSchema.extend({
  ...samplingShape,
  prompts: z.array(z.string().min(1)).min(1).default([...THROUGHPUT_PROMPTS]),
  /** Times the whole prompt list is sent. */
  iterations: z.number().int().positive().default(1),
  max_tokens: z.number().int().positive().default(256),
  temperature: z.number().min(0).default(0),
});
export type ThroughputConfig = z.output<typeof throughputConfigSchema>;

export type TokenSource = GenerateResult["tokenSource"];

/** One completed request, as stored in `per_request`. */
export interface ThroughputRequest {
  index: number;
  iteration: number;
  prompt_index: number;
  prompt_tokens: number | null;
  completion_tokens: number;
  token_source: TokenSource;
  tokens_per_second: number;
  latency_ms: number;
  ttft_ms: number;
  finish_reason: string | null;
}

export const throughputBenchmark: Benchmark<typeof throughputConfigSchema> = {
  name: "throughput",
  category: "performance",
  version: "1.0.0",
  description: "Sequential generations: tokens per second, end-to-end latency and time to first token.",
  configSchema: throughputConfigSchema,
  headlineMetrics: ["avg_tps", "p50_latency_ms", "p99_latency_ms", "avg_ttft_ms", "requests"],

  async run(ctx): Promise<BenchmarkOutcome> {
    const { config } = ctx;
    const sampling = samplingRequest(config);
    const warmupTimes = await warmUp(ctx, sampling);

    const total = config.prompts.length * config.iterations;
    const requests = cycledRequests(config.prompts, total, { ...sampling, maxTokens: config.max_tokens });
    const run = await runSequential(ctx, requests, (result, index) =>
      requestRecord(index, Math.floor(index / config.prompts.length), index % config.prompts.length, result),
    );
    return {
      metrics: throughputMetrics(run.completed, run.failed, run.totalSeconds),
      errors: run.errors,
      warmupTimes,
      passed: run.errors.length === 0 && run.completed.length === total,
      partial: run.stopped,
      cause: run.cause,
    };
  },
};

function requestRecord(index: number, iteration: number, promptIndex: number, result: GenerateResult): ThroughputRequest {
  // Without a server count, fall back to the chunks seen, and say so.
  const serverCount = result.completionTokens;
  const tokens = serverCount ?? result.chunkTimes.length;
  const tokenSource: TokenSource = serverCount === undefined ? "chunks" : result.tokenSource;
  return {
    index,
    iteration,
    prompt_index: promptIndex,
    prompt_tokens: result.promptTokens ?? null,
    completion_tokens: tokens,
    token_source: tokenSource,
    tokens_per_second: result.e2eMs > 0 ? tokens / (result.e2eMs / 1000) : 0,
    latency_ms: result.e2eMs,
    ttft_ms: result.ttftMs,
    finish_reason: result.finishReason ?? null,
  };
}

/**
 * The test's metrics. Statistics cover completed requests only; `requests` is their count, so
 * a reader can tell a p99 over 5 samples (interpolated near the maximum) from one over 1,000.
 */
export function throughputMetrics(completed: readonly ThroughputRequest[], failed: number, totalSeconds: number): Metrics {
  const tps = sorted(completed.map((r) => r.tokens_per_second));
  const latency = sorted(completed.map((r) => r.latency_ms));
  const ttft = sorted(completed.map((r) => r.ttft_ms));
  const promptTokens = completed.flatMap((r) => (r.prompt_tokens === null ? [] : [r.prompt_tokens]));
  const sources = new Set(completed.map((r) => r.token_source));
  const has = completed.length > 0;
  return {
    requests: completed.length,
    failed_requests: failed,
    avg_tps: has ? mean(tps) : null,
    min_tps: tps[0] ?? null,
    max_tps: tps[tps.length - 1] ?? null,
    avg_latency_ms: has ? mean(latency) : null,
    p50_latency_ms: has ? percentileOfSorted(latency, 50) : null,
    p99_latency_ms: has ? percentileOfSorted(latency, 99) : null,
    avg_ttft_ms: has ? mean(ttft) : null,
    p50_ttft_ms: has ? percentileOfSorted(ttft, 50) : null,
    p99_ttft_ms: has ? percentileOfSorted(ttft, 99) : null,
    total_tokens_generated: completed.reduce((sum, r) => sum + r.completion_tokens, 0),
    total_prompt_tokens: promptTokens.length > 0 ? promptTokens.reduce((sum, n) => sum + n, 0) : null,
    total_time_seconds: totalSeconds,
    token_source: sources.size > 1 ? "mixed" : ([...sources][0] ?? null),
    per_request: completed.map((r) => ({ ...r })),
  };
}

function sorted(values: number[]): number[] {
  return values.sort((a, b) => a - b);
}
