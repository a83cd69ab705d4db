/**
 * The engine's side of a serving run, with the client report's key names (`mean_ttft_ms`,
 * `median_ttft_ms`, `p99_ttft_ms`, …) so the two can be printed side by side. Latencies come
 * from the engine's histograms over the benchmark window (bucket estimates, in milliseconds);
 * TPOT here is the engine's per-request time per output token, ITL its per-token gap. Only
 * what the engine exports is present: TGI has no TTFT, llama.cpp no latency histograms.
 */
import type { EngineMetricsReport, GaugeStats, HistogramDelta } from "./engine-metrics-report.js";
import { UNIFIED, type UnifiedName } from "./prometheus/unified.js";

const LATENCIES = {
  ttft: UNIFIED.timeToFirstToken,
  itl: UNIFIED.interTokenLatency,
  tpot: UNIFIED.requestTimePerOutputToken,
  e2el: UNIFIED.e2eRequestLatency,
  queue_time: UNIFIED.requestQueueTime,
} as const satisfies Record<string, UnifiedName>;

type LatencyName = keyof typeof LATENCIES;
type LatencyKey = `${"mean" | "median" | "p90" | "p99"}_${LatencyName}_ms` | `${LatencyName}_count`;
type GaugeKey = `${"mean" | "max"}_${"kv_cache_usage" | "num_requests_running" | "num_requests_waiting"}`;
type CounterKey = "generation_tokens" | "prompt_tokens" | "completed";

export type EngineSideMetrics = Partial<Record<LatencyKey | GaugeKey | CounterKey, number | null>>;

const toMs = (seconds: number | null): number | null => (seconds === null ? null : seconds * 1000);

function latencyKeys(name: LatencyName, delta: HistogramDelta): EngineSideMetrics {
  return {
    [`mean_${name}_ms`]: toMs(delta.mean),
    [`median_${name}_ms`]: toMs(delta.p50),
    [`p90_${name}_ms`]: toMs(delta.p90),
    [`p99_${name}_ms`]: toMs(delta.p99),
    [`${name}_count`]: delta.count,
  };
}

function gaugeKeys(name: "kv_cache_usage" | "num_requests_running" | "num_requests_waiting", stats: GaugeStats): EngineSideMetrics {
  return { [`mean_${name}`]: stats.mean, [`max_${name}`]: stats.max };
}

/** The engine-side numbers of a report; empty when the engine's metrics were not available. */
export function engineSideMetrics(report: EngineMetricsReport): EngineSideMetrics {
  if (!report.available) return {};
  const metrics: EngineSideMetrics = {};
  for (const [name, unified] of Object.entries(LATENCIES) as [LatencyName, UnifiedName][]) {
    const delta = report.deltas.histograms[unified];
    if (delta) Object.assign(metrics, latencyKeys(name, delta));
  }
  const gauges = {
    kv_cache_usage: UNIFIED.kvCacheUsage,
    num_requests_running: UNIFIED.requestsRunning,
    num_requests_waiting: UNIFIED.requestsWaiting,
  } as const;
  for (const [name, unified] of Object.entries(gauges) as [keyof typeof gauges, UnifiedName][]) {
    const stats = report.gauges[unified];
    if (stats) Object.assign(metrics, gaugeKeys(name, stats));
  }
  const counters = {
    generation_tokens: UNIFIED.generationTokens,
    prompt_tokens: UNIFIED.promptTokens,
    completed: UNIFIED.requestSuccess,
  } as const;
  for (const [name, unified] of Object.entries(counters) as [CounterKey, UnifiedName][]) {
    const value = report.deltas.counters[unified];
    if (value !== undefined) metrics[name] = value;
  }
  return metrics;
}
