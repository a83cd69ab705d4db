/**
 * `memory_usage`: GPU memory while the engine generates, for each prompt at each output
 * length. Without a GPU (or nvidia-smi) it says the measurement is unavailable and why;
 * it never reports zeros for memory it could not see.
 */
import { z } from "zod";
import { GpuMemorySampler, type GpuMemoryReport } from "../collectors/gpu-sampler.js";
import { baseTestConfigSchema, samplingShape } from "../config/suite-schema.js";
import { samplingRequest } from "./sampling.js";
import { runSequential } from "./sequential.js";
import { THROUGHPUT_PROMPTS } from "./throughput-prompts.js";
import type { Benchmark, BenchmarkOutcome, Metrics } from "./types.js";
import { warmUp } from "./warmup.js";

export const memoryUsageConfigSchema = baseTestConfigSchema.extend({
  ...samplingShape,
  prompts: z.array(z.string().min(1)).min(1).default(THROUGHPUT_PROMPTS.slice(0, 3)),
  output_lengths: z.array(z.number().int().positive()).min(1).default([32, 128, 512]),
  sample_interval_ms: z.number().int().min(10).default(100),
  temperature: z.number().min(0).default(0),
});

interface MemorySample {
  prompt_index: number;
  max_tokens: number;
  peak_gb: number | null;
}

export const memoryUsageBenchmark: Benchmark<typeof memoryUsageConfigSchema> = {
  name: "memory_usage",
  category: "performance",
  version: "1.0.0",
  description: "Peak and average GPU memory while generating, per prompt and output length.",
  configSchema: memoryUsageConfigSchema,
  headlineMetrics: ["overall_peak_gpu_memory_gb", "overall_avg_gpu_memory_gb", "memory_range_gb", "gpu_memory_available"],

  async run(ctx): Promise<BenchmarkOutcome> {
    const { config } = ctx;
    const sampling = samplingRequest(config);
    const warmupTimes = await warmUp(ctx, sampling);
    const plan = config.prompts.flatMap((prompt, promptIndex) =>
      config.output_lengths.map((maxTokens) => ({ prompt, promptIndex, maxTokens })),
    );
    await using sampler = new GpuMemorySampler({ intervalMs: config.sample_interval_ms });
    await sampler.start();
    let mark = sampler.mark();
    const run = await runSequential(
      ctx,
      plan.map(({ prompt, maxTokens }) => ({ ...sampling, prompt, maxTokens })),
      (_result, index): MemorySample => {
        const window = sampler.snapshot(mark);
        const step = plan[index] as (typeof plan)[number];
        return { prompt_index: step.promptIndex, max_tokens: step.maxTokens, peak_gb: window.available ? window.peak_gb : null };
      },
      { before: () => void (mark = sampler.mark()) },
    );
    const overall = await sampler.stop();
    return {
      metrics: memoryMetrics(overall, run.completed),
      errors: run.errors,
      warmupTimes,
      passed: run.errors.length === 0,
      partial: run.stopped,
      cause: run.cause,
    };
  },
};

export function memoryMetrics(overall: GpuMemoryReport, samples: readonly MemorySample[]): Metrics {
  if (!overall.available) {
    return { requests: samples.length, gpu_memory_available: false, gpu_memory_unavailable_reason: overall.reason };
  }
  const peaks = samples.flatMap((s) => (s.peak_gb === null ? [] : [s.peak_gb]));
  return {
    requests: samples.length,
    gpu_memory_available: true,
    gpu_memory_source: overall.source,
    overall_peak_gpu_memory_gb: overall.peak_gb,
    overall_avg_gpu_memory_gb: overall.avg_gb,
    memory_range_gb: peaks.length > 0 ? Math.max(...peaks) - Math.min(...peaks) : null,
    per_prompt_peak_gb: samples.map((s) => ({ ...s })),
    per_gpu: overall.per_gpu.map((gpu) => ({ ...gpu })),
  };
}
