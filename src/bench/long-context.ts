/**
 * `long_context`: prompts of rising length (1k to 32k tokens by default), one request at a
 * time, to show how prefill time (TTFT) and decode speed change with context. Lengths that do
 * not fit the model's context (as the engine reports it, less the output) are skipped and
 * listed, never sent to fail.
 */
import { z } from "zod";
import { baseTestConfigSchema } from "../config/suite-schema.js";
import { modelContextLength } from "../engines/model-context.js";
import { randomRequests, serveOnEngine } from "./engine-serve.js";
import type { Benchmark, BenchmarkOutcome, Metrics } from "./types.js";

export const longContextConfigSchema = baseTestConfigSchema.extend({
  input_lengths: z.array(z.number().int().positive()).min(1).default([1024, 2048, 4096, 8192, 16384, 32768]),
  output_len: z.number().int().positive().default(64),
  requests_per_length: z.number().int().positive().default(3),
  /** The model's context when the engine does not report it. */
  max_context: z.number().int().positive().optional(),
  seed: z.number().int().min(0).default(0),
  tokenizer: z.string().optional(),
});

export const longContextBenchmark: Benchmark<typeof longContextConfigSchema> = {
  name: "long_context",
  category: "performance",
  version: "1.0.0",
  description: "TTFT and decode speed as the prompt grows towards the model's context length.",
  configSchema: longContextConfigSchema,
  headlineMetrics: ["context_length", "longest_input_len", "ttft_at_longest_ms"],

  async run(ctx): Promise<BenchmarkOutcome> {
    const { config, engine, signal } = ctx;
    const context = config.max_context ?? (await modelContextLength(engine));
    const fits = (len: number) => context === undefined || len + config.output_len <= context;
    const lengths = [...new Set(config.input_lengths)].sort((a, b) => a - b);
    const results: Array<Record<string, number | null>> = [];
    const errors: string[] = [];
    for (const [index, inputLen] of lengths.filter(fits).entries()) {
      if (signal.aborted) break;
      // A warm-up prompt of its own, so the measured ones are not cached.
      const warmupCount = index === 0 && ctx.warmup ? 1 : 0;
      const requests = await randomRequests(engine, {
        numPrompts: config.requests_per_length + warmupCount,
        inputTokens: inputLen,
        outputTokens: config.output_len,
        seed: config.seed + index,
        tokenizerPath: config.tokenizer,
      });
      const run = await serveOnEngine(engine, requests.slice(0, config.requests_per_length), {
        maxConcurrency: 1,
        warmup: requests.slice(config.requests_per_length),
        signal,
      });
      const m = run.metrics;
      if (m.failed > 0) errors.push(`input ${inputLen}: ${m.failed} requests failed`);
      results.push({
        input_len: inputLen,
        completed: m.completed,
        mean_ttft_ms: m.mean_ttft_ms,
        mean_tpot_ms: m.mean_tpot_ms,
        mean_e2el_ms: m.mean_e2el_ms,
        output_throughput: m.output_throughput,
        prefill_tokens_per_s: m.mean_ttft_ms ? inputLen / (m.mean_ttft_ms / 1000) : null,
      });
      ctx.onProgress({ phase: "measure", completed: index + 1, total: lengths.filter(fits).length, message: `${inputLen} tokens` });
    }
    const longest = results.at(-1);
    const metrics: Metrics = {
      context_length: context ?? null,
      longest_input_len: longest?.input_len ?? null,
      ttft_at_longest_ms: longest?.mean_ttft_ms ?? null,
      skipped_lengths: lengths.filter((len) => !fits(len)),
      lengths: results,
    };
    const interrupted = signal.aborted;
    return { metrics, errors, warmupTimes: [], passed: errors.length === 0 && !interrupted && results.length > 0, partial: interrupted, cause: interrupted ? signal.reason : undefined };
  },
};
