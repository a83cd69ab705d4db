import { describe, expect, it } from "vitest";
import { latencyBenchmark, latencyMetrics } from "../../src/bench/latency.js";
import { memoryMetrics, memoryUsageBenchmark } from "../../src/bench/memory-usage.js";
import { warmupAnalysisBenchmark, warmupMetrics } from "../../src/bench/warmup-analysis.js";
import { ScriptedEngine } from "./scripted-engine.js";

describe("latency metrics", () => {
  it("computes TTFT, total latency and per-token time (vLLM TPOT) distributions by hand", () => {
    const metrics = latencyMetrics(
      [
        // per_token = (e2e - ttft) / (tokens - 1)
        { ttft_ms: 10, total_latency_ms: 110, per_token_ms: 100 / 10, output_tokens: 11 },
        { ttft_ms: 30, total_latency_ms: 70, per_token_ms: 40 / 4, output_tokens: 5 },
        { ttft_ms: 20, total_latency_ms: 20, per_token_ms: null, output_tokens: 1 },
      ],
      1,
    );
    expect(metrics.requests).toBe(3);
    expect(metrics.failed_requests).toBe(1);
    expect(metrics.ttft_ms).toMatchObject({ avg: 20, min: 10, max: 30, p50: 20 });
    // population std of 10, 20, 30 = sqrt(200/3)
    expect((metrics.ttft_ms as { std_dev: number }).std_dev).toBeCloseTo(Math.sqrt(200 / 3), 10);
    // p99 of [20, 70, 110] = 70 + 0.98 * 40
    expect((metrics.total_latency_ms as { p99: number }).p99).toBeCloseTo(109.2, 10);
    // The one-token request has no per-token time.
    expect(metrics.per_token_samples).toBe(2);
    expect(metrics.per_token_ms).toMatchObject({ avg: 10, min: 10, max: 10 });
  });

  it("reports null distributions, not NaN, when nothing completed", () => {
    expect(latencyMetrics([], 2)).toMatchObject({ requests: 0, ttft_ms: null, per_token_ms: null });
  });
});

describe("warmup_analysis metrics", () => {
  it("finds the cold start, the reduction and where latency settles", () => {
    const metrics = warmupMetrics([500, 200, 120, 101, 99, 100, 102, 98, 100, 101], 0.1);
    expect(metrics.first_iteration_latency_ms).toBe(500);
    const subsequent = (200 + 120 + 101 + 99 + 100 + 102 + 98 + 100 + 101) / 9;
    expect(metrics.subsequent_avg_latency_ms).toBeCloseTo(subsequent, 10);
    expect(metrics.latency_reduction_percent).toBeCloseTo(((500 - subsequent) / 500) * 100, 10);
    // Median of the second half is 100; from iteration 4 (101) on, all are within 10 %.
    expect(metrics.stabilization_iteration).toBe(4);
  });
});

describe("memory_usage metrics", () => {
  it("says the measurement is unavailable instead of reporting zeros", () => {
    const metrics = memoryMetrics({ available: false, reason: "nvidia-smi not found" }, [{ prompt_index: 0, max_tokens: 32, peak_gb: null }]);
    expect(metrics).toEqual({ requests: 1, gpu_memory_available: false, gpu_memory_unavailable_reason: "nvidia-smi not found" });
  });

  it("reports overall peak, average and the spread of per-request peaks", () => {
    const metrics = memoryMetrics(
      { available: true, source: "nvidia-smi", interval_ms: 100, peak_gb: 40, avg_gb: 35, per_gpu: [{ gpu: 0, peak_gb: 40, avg_gb: 35 }], samples: [] },
      [
        { prompt_index: 0, max_tokens: 32, peak_gb: 33 },
        { prompt_index: 0, max_tokens: 512, peak_gb: 40 },
      ],
    );
    expect(metrics).toMatchObject({ gpu_memory_available: true, overall_peak_gpu_memory_gb: 40, overall_avg_gpu_memory_gb: 35, memory_range_gb: 7 });
  });
});

describe("performance tests against a scripted engine", () => {
  const ctx = <C>(engine: ScriptedEngine, config: C) => ({
    engine,
    config,
    signal: new AbortController().signal,
    onProgress: () => undefined,
    warmup: true,
  });

  it("warmup_analysis sends no warmup and measures every iteration", async () => {
    const engine = new ScriptedEngine();
    const config = warmupAnalysisBenchmark.configSchema.parse({ iterations: 4 });
    const outcome = await warmupAnalysisBenchmark.run(ctx(engine, config));
    expect(outcome.warmupTimes).toEqual([]);
    expect(engine.requests).toHaveLength(4);
    expect(outcome.metrics.per_iteration_latencies_ms).toHaveLength(4);
  });

  it("latency warms up, then sends the configured number of requests", async () => {
    const engine = new ScriptedEngine();
    const config = latencyBenchmark.configSchema.parse({ requests: 3, warmup_iterations: 2 });
    const outcome = await latencyBenchmark.run(ctx(engine, config));
    expect(outcome.warmupTimes).toHaveLength(2);
    expect(engine.requests).toHaveLength(5);
    expect(outcome.metrics.requests).toBe(3);
  });

  it("memory_usage runs every prompt at every output length and says memory is unavailable here", async () => {
    const engine = new ScriptedEngine();
    const config = memoryUsageBenchmark.configSchema.parse({ prompts: ["a", "b"], output_lengths: [4, 8], warmup_iterations: 0 });
    const outcome = await memoryUsageBenchmark.run(ctx(engine, config));
    expect(engine.requests.map((r) => r.maxTokens)).toEqual([4, 8, 4, 8]);
    expect(outcome.metrics.requests).toBe(4);
    expect(outcome.metrics.gpu_memory_available).toBe(false);
  });
});
