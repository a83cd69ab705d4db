import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { counterDelta, gaugeValue, histogramDelta } from "../../src/collectors/engine-metrics-report.js";
import { parsePrometheusText } from "../../src/collectors/prometheus/parse.js";
import { UNIFIED, hasUnifiedMetrics, standardize, type UnifiedFamily, type UnifiedName } from "../../src/collectors/prometheus/unified.js";
import type { EngineName } from "../../src/engines/types.js";

const fixture = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), "utf8");
const unify = (body: string, engine: EngineName) => standardize(parsePrometheusText(body), engine);

function get(unified: Map<UnifiedName, UnifiedFamily>, name: UnifiedName): UnifiedFamily {
  const family = unified.get(name);
  if (!family) throw new Error(`${name} missing; have ${[...unified.keys()].join(", ")}`);
  return family;
}

function sources(unified: Map<UnifiedName, UnifiedFamily>): Record<string, string> {
  return Object.fromEntries([...unified].map(([name, family]) => [name, family.source]));
}

describe("standardize", () => {
  it("maps vLLM V1 (recorded) counters and gauges, keeping labels", () => {
    const unified = unify(fixture("engines/vllm/metrics-head.prom"), "vllm");
    expect(sources(unified)).toEqual({
      [UNIFIED.generationTokens]: "vllm:generation_tokens_total",
      [UNIFIED.promptTokens]: "vllm:prompt_tokens_total",
      [UNIFIED.requestsRunning]: "vllm:num_requests_running",
      [UNIFIED.requestsWaiting]: "vllm:num_requests_waiting",
      [UNIFIED.kvCacheUsage]: "vllm:kv_cache_usage_perc",
    });
    expect(get(unified, UNIFIED.generationTokens).samples).toEqual([
      { name: "kitt:generation_tokens_total", labels: { engine: "0", model_name: "llama-vllm-single" }, value: 0 },
    ]);
    // vllm:request_success_total printed no sample yet: it is left out, not reported as zero.
    expect(unified.has(UNIFIED.requestSuccess)).toBe(false);
  });

  it("emits the generation-token counter whether or not the parser kept _total (Kthena's bug)", () => {
    const classic = "# TYPE vllm:generation_tokens_total counter\nvllm:generation_tokens_total{engine=\"0\"} 42.0\n";
    const openMetrics = "# TYPE vllm:generation_tokens counter\nvllm:generation_tokens_total{engine=\"0\"} 42.0\nvllm:generation_tokens_created{engine=\"0\"} 1.7e9\n";
    const undeclared = "vllm:generation_tokens_total{engine=\"0\"} 42.0\n";
    for (const body of [classic, openMetrics, undeclared]) {
      const family = get(unify(body, "vllm"), UNIFIED.generationTokens);
      expect(family.samples).toEqual([{ name: "kitt:generation_tokens_total", labels: { engine: "0" }, value: 42 }]);
    }
  });

  it("prefers vLLM's inter-token latency and KV-cache usage over the deprecated names when both are exported", () => {
    const unified = unify(fixture("prometheus/vllm/metrics-datadog.prom"), "vllm");
    expect(get(unified, UNIFIED.interTokenLatency).source).toBe("vllm:inter_token_latency_seconds");
    expect(get(unified, UNIFIED.kvCacheUsage).source).toBe("vllm:kv_cache_usage_perc");
    expect(get(unified, UNIFIED.requestTimePerOutputToken).source).toBe("vllm:request_time_per_output_token_seconds");
    expect(get(unified, UNIFIED.requestQueueTime).source).toBe("vllm:request_queue_time_seconds");
    expect(get(unified, UNIFIED.requestSuccess).samples).toEqual([
      { name: "kitt:request_success_total", labels: { finished_reason: "length", model_name: "facebook/opt-125m" }, value: 1 },
    ]);
    const itl = get(unified, UNIFIED.interTokenLatency);
    expect(itl.samples.map((sample) => sample.name)).toEqual([
      "kitt:inter_token_latency_seconds_bucket",
      "kitt:inter_token_latency_seconds_bucket",
      "kitt:inter_token_latency_seconds_bucket",
      "kitt:inter_token_latency_seconds_count",
      "kitt:inter_token_latency_seconds_sum",
    ]);
    expect(itl.samples[0]?.labels).toEqual({ le: "0.01", model_name: "facebook/opt-125m" });
    expect(histogramDelta(undefined, itl)).toMatchObject({ count: 144, sum: 0.6237391703762114 });
  });

  it("falls back to vLLM's deprecated names on versions without the new ones", () => {
    const old = fixture("prometheus/vllm/metrics-datadog.prom")
      .replaceAll("vllm:inter_token_latency_seconds", "vllm:removed_itl")
      .replaceAll("vllm:kv_cache_usage_perc", "vllm:removed_kv");
    const unified = unify(old, "vllm");
    expect(get(unified, UNIFIED.interTokenLatency).source).toBe("vllm:time_per_output_token_seconds");
    expect(histogramDelta(undefined, get(unified, UNIFIED.interTokenLatency))).toMatchObject({ count: 6 });
    expect(get(unified, UNIFIED.kvCacheUsage).source).toBe("vllm:gpu_cache_usage_perc");
    // The hidden TPOT histogram never stands in for the per-request one.
    expect(get(unified, UNIFIED.requestTimePerOutputToken).source).toBe("vllm:request_time_per_output_token_seconds");
  });

  it("maps SGLang (recorded), reading its old per-token histogram as inter-token latency", () => {
    const unified = unify(fixture("engines/sglang/metrics.prom"), "sglang");
    expect(sources(unified)).toEqual({
      [UNIFIED.generationTokens]: "sglang:generation_tokens_total",
      [UNIFIED.promptTokens]: "sglang:prompt_tokens_total",
      [UNIFIED.requestsRunning]: "sglang:num_running_reqs",
      [UNIFIED.requestsWaiting]: "sglang:num_queue_reqs",
      [UNIFIED.kvCacheUsage]: "sglang:token_usage",
      [UNIFIED.timeToFirstToken]: "sglang:time_to_first_token_seconds",
      [UNIFIED.interTokenLatency]: "sglang:time_per_output_token_seconds",
      [UNIFIED.e2eRequestLatency]: "sglang:e2e_request_latency_seconds",
    });
    expect(gaugeValue(get(unified, UNIFIED.requestsWaiting))).toBe(2826);
    expect(gaugeValue(get(unified, UNIFIED.kvCacheUsage))).toBe(0.28);
    expect(counterDelta(undefined, get(unified, UNIFIED.generationTokens))).toBe(7557572);
    // Its `func_latency_seconds` histogram is not a request latency and stays out.
    expect([...unified.values()].some((family) => family.source.includes("func_latency"))).toBe(false);
  });

  it("maps SGLang's newer inter-token latency and queue time names", () => {
    const body = [
      "# TYPE sglang:inter_token_latency_seconds histogram",
      'sglang:inter_token_latency_seconds_bucket{le="0.05",model_name="m"} 9',
      'sglang:inter_token_latency_seconds_bucket{le="+Inf",model_name="m"} 10',
      'sglang:inter_token_latency_seconds_sum{model_name="m"} 0.4',
      'sglang:inter_token_latency_seconds_count{model_name="m"} 10',
      "# TYPE sglang:time_per_output_token_seconds histogram",
      'sglang:time_per_output_token_seconds_bucket{le="+Inf",model_name="m"} 2',
      "# TYPE sglang:queue_time_seconds histogram",
      'sglang:queue_time_seconds_bucket{le="+Inf",model_name="m"} 2',
      'sglang:queue_time_seconds_count{model_name="m"} 2',
    ].join("\n");
    const unified = unify(body, "sglang");
    expect(get(unified, UNIFIED.interTokenLatency).source).toBe("sglang:inter_token_latency_seconds");
    expect(get(unified, UNIFIED.requestQueueTime).source).toBe("sglang:queue_time_seconds");
  });

  it("maps TGI (recorded): counters without _total, token counts from its per-request histograms", () => {
    const unified = unify(fixture("prometheus/tgi/metrics.prom"), "tgi");
    expect(sources(unified)).toEqual({
      [UNIFIED.generationTokens]: "tgi_request_generated_tokens_sum",
      [UNIFIED.promptTokens]: "tgi_request_input_length_sum",
      [UNIFIED.requestSuccess]: "tgi_request_success",
      [UNIFIED.requestsRunning]: "tgi_batch_current_size",
      [UNIFIED.requestsWaiting]: "tgi_queue_size",
      [UNIFIED.requestTimePerOutputToken]: "tgi_request_mean_time_per_token_duration",
      [UNIFIED.e2eRequestLatency]: "tgi_request_duration",
      [UNIFIED.requestQueueTime]: "tgi_request_queue_duration",
    });
    expect(get(unified, UNIFIED.requestSuccess).samples).toEqual([{ name: "kitt:request_success_total", labels: {}, value: 109 }]);
    expect(counterDelta(undefined, get(unified, UNIFIED.generationTokens))).toBe(3423);
    expect(counterDelta(undefined, get(unified, UNIFIED.promptTokens))).toBe(662);
    const queue = histogramDelta(undefined, get(unified, UNIFIED.requestQueueTime));
    expect(queue).toMatchObject({ count: 109, sum: 295.275961956 });
    expect(queue.mean).toBeCloseTo(2.709, 3);
    // No TTFT histogram in TGI: absent, not zero.
    expect(unified.has(UNIFIED.timeToFirstToken)).toBe(false);
  });

  it("maps llama.cpp (recorded), and its KV-cache ratio on builds that still have it", () => {
    const unified = unify(fixture("prometheus/llamacpp/metrics-after-two-completions.prom"), "llama_cpp");
    expect(sources(unified)).toEqual({
      [UNIFIED.generationTokens]: "llamacpp:tokens_predicted_total",
      [UNIFIED.promptTokens]: "llamacpp:prompt_tokens_total",
      [UNIFIED.requestsRunning]: "llamacpp:requests_processing",
      [UNIFIED.requestsWaiting]: "llamacpp:requests_deferred",
    });
    expect(counterDelta(undefined, get(unified, UNIFIED.generationTokens))).toBe(24);
    const older = unify("# TYPE llamacpp:kv_cache_usage_ratio gauge\nllamacpp:kv_cache_usage_ratio 0.25\n", "llama_cpp");
    expect(gaugeValue(get(older, UNIFIED.kvCacheUsage))).toBe(0.25);
  });

  it("adds request counts over label sets and averages cache fractions (data-parallel vLLM)", () => {
    const body = [
      "# TYPE vllm:num_requests_running gauge",
      'vllm:num_requests_running{engine="0"} 3',
      'vllm:num_requests_running{engine="1"} 5',
      "# TYPE vllm:kv_cache_usage_perc gauge",
      'vllm:kv_cache_usage_perc{engine="0"} 0.9',
      'vllm:kv_cache_usage_perc{engine="1"} 0.5',
    ].join("\n");
    const unified = unify(body, "vllm");
    expect(gaugeValue(get(unified, UNIFIED.requestsRunning))).toBe(8);
    expect(gaugeValue(get(unified, UNIFIED.kvCacheUsage))).toBeCloseTo(0.7);
  });

  it("ignores a family of the right name but the wrong type", () => {
    const unified = unify("# TYPE vllm:time_to_first_token_seconds gauge\nvllm:time_to_first_token_seconds 1\n", "vllm");
    expect(unified.size).toBe(0);
  });

  it("knows which engines have metrics", () => {
    expect(["vllm", "sglang", "tgi", "llama_cpp"].every((engine) => hasUnifiedMetrics(engine as EngineName))).toBe(true);
    expect(["ollama", "exllamav2", "mlx"].some((engine) => hasUnifiedMetrics(engine as EngineName))).toBe(false);
  });
});
