import { describe, expect, it } from "vitest";
import { buildEngineMetricsReport, counterDelta, gaugeSampleOf, histogramDelta, type UnifiedScrape } from "../../src/collectors/engine-metrics-report.js";
import { engineSideMetrics } from "../../src/collectors/engine-metrics-summary.js";
import { parsePrometheusText } from "../../src/collectors/prometheus/parse.js";
import { UNIFIED, standardize, type UnifiedFamily, type UnifiedName } from "../../src/collectors/prometheus/unified.js";

function unified(body: string, name: UnifiedName): UnifiedFamily {
  const family = standardize(parsePrometheusText(body), "vllm").get(name);
  if (!family) throw new Error(`${name} missing`);
  return family;
}

const counter = (values: Record<string, number>) =>
  "# TYPE vllm:generation_tokens_total counter\n" +
  Object.entries(values)
    .map(([engine, value]) => `vllm:generation_tokens_total{engine="${engine}"} ${value}`)
    .join("\n");

/** A TTFT histogram from per-bucket (not cumulative) counts at bounds 0.1, 0.5, 1, +Inf. */
function ttft(perBucket: [number, number, number, number], sum: number, labels = 'model_name="m"'): string {
  const bounds = ["0.1", "0.5", "1.0", "+Inf"];
  let cumulative = 0;
  const lines = bounds.map((le, i) => {
    cumulative += perBucket[i]!;
    return `vllm:time_to_first_token_seconds_bucket{le="${le}",${labels}} ${cumulative}`;
  });
  return ["# TYPE vllm:time_to_first_token_seconds histogram", ...lines, `vllm:time_to_first_token_seconds_sum{${labels}} ${sum}`, `vllm:time_to_first_token_seconds_count{${labels}} ${cumulative}`].join("\n");
}

describe("counterDelta", () => {
  it("adds each label set's growth", () => {
    expect(counterDelta(unified(counter({ 0: 100, 1: 50 }), UNIFIED.generationTokens), unified(counter({ 0: 160, 1: 75 }), UNIFIED.generationTokens))).toBe(85);
  });

  it("counts a label set that went down from zero (the engine restarted)", () => {
    expect(counterDelta(unified(counter({ 0: 1000 }), UNIFIED.generationTokens), unified(counter({ 0: 30 }), UNIFIED.generationTokens))).toBe(30);
  });

  it("counts a label set that appeared during the window in full", () => {
    expect(counterDelta(unified(counter({ 0: 10 }), UNIFIED.generationTokens), unified(counter({ 0: 10, 1: 7 }), UNIFIED.generationTokens))).toBe(7);
    expect(counterDelta(undefined, unified(counter({ 0: 12 }), UNIFIED.generationTokens))).toBe(12);
  });
});

describe("histogramDelta", () => {
  it("describes only what was observed between the scrapes", () => {
    const before = unified(ttft([5, 0, 0, 0], 0.25), UNIFIED.timeToFirstToken);
    const after = unified(ttft([5, 20, 10, 2], 0.25 + 20 * 0.3 + 10 * 0.8 + 2 * 3), UNIFIED.timeToFirstToken);
    const delta = histogramDelta(before, after);
    expect(delta.count).toBe(32);
    expect(delta.sum).toBeCloseTo(20);
    expect(delta.mean).toBeCloseTo(20 / 32);
    // Delta buckets: 0 ≤ 0.1, 20 ≤ 0.5, 30 ≤ 1, 32 in all; rank 16 is the 16th of 20 in (0.1, 0.5].
    expect(delta.p50).toBeCloseTo(0.1 + 0.4 * (16 / 20));
    expect(delta.p90).toBeCloseTo(0.5 + 0.5 * ((28.8 - 20) / 10));
    expect(delta.p99).toBe(1);
  });

  it("merges label sets bucket by bucket", () => {
    const body = (a: number, b: number) => `${ttft([a, 0, 0, 0], a * 0.05, 'model_name="a"')}\n${ttft([0, b, 0, 0], b * 0.3, 'model_name="b"').split("\n").slice(1).join("\n")}`;
    const delta = histogramDelta(unified(body(1, 1), UNIFIED.timeToFirstToken), unified(body(3, 5), UNIFIED.timeToFirstToken));
    expect(delta).toMatchObject({ count: 6 });
    expect(delta.sum).toBeCloseTo(2 * 0.05 + 4 * 0.3);
  });

  it("treats a histogram whose count went down as restarted", () => {
    const delta = histogramDelta(unified(ttft([50, 50, 0, 0], 20), UNIFIED.timeToFirstToken), unified(ttft([0, 4, 0, 0], 1.2), UNIFIED.timeToFirstToken));
    expect(delta).toMatchObject({ count: 4, sum: 1.2 });
  });

  it("has nulls, not zeros, when nothing was observed", () => {
    const same = unified(ttft([5, 0, 0, 0], 0.25), UNIFIED.timeToFirstToken);
    expect(histogramDelta(same, same)).toEqual({ count: 0, sum: 0, mean: null, p50: null, p90: null, p99: null });
  });
});

describe("buildEngineMetricsReport and engineSideMetrics", () => {
  const scrape = (t: number, body: string): UnifiedScrape => ({ t, at: new Date(1_800_000_000_000 + t).toISOString(), families: standardize(parsePrometheusText(body), "vllm") });
  const gauges = (running: number, kv: number) =>
    `# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running ${running}\n# TYPE vllm:kv_cache_usage_perc gauge\nvllm:kv_cache_usage_perc ${kv}\n`;
  const before = scrape(0, `${counter({ 0: 100 })}\n${ttft([0, 0, 0, 0], 0)}\n${gauges(0, 0)}`);
  const during = scrape(1000, gauges(4, 0.5));
  const after = scrape(2500, `${counter({ 0: 400 })}\n${ttft([0, 8, 2, 0], 3.2)}\n${gauges(1, 0.2)}`);
  const series = [before, during, after].map(gaugeSampleOf);
  const report = buildEngineMetricsReport({ engine: "vllm", url: "http://x/metrics", intervalMs: 1000, before, after, series, errors: 1, lastError: "boom" });

  it("reports deltas, gauge statistics and the gauge series", () => {
    expect(report).toMatchObject({
      available: true,
      before_at: "2027-01-15T08:00:00.000Z",
      after_at: "2027-01-15T08:00:02.500Z",
      window_s: 2.5,
      scrapes: 3,
      errors: 1,
      last_error: "boom",
      deltas: { counters: { "kitt:generation_tokens_total": 300 } },
      gauges: {
        "kitt:num_requests_running": { min: 0, max: 4, last: 1 },
        "kitt:kv_cache_usage_perc": { min: 0, max: 0.5, last: 0.2 },
      },
    });
    expect(report.gauges["kitt:kv_cache_usage_perc"]?.mean).toBeCloseTo(0.7 / 3);
    expect(report.deltas.histograms["kitt:time_to_first_token_seconds"]).toMatchObject({ count: 10 });
    expect(report.series).toEqual([
      { t: 0, "kitt:num_requests_running": 0, "kitt:kv_cache_usage_perc": 0 },
      { t: 1000, "kitt:num_requests_running": 4, "kitt:kv_cache_usage_perc": 0.5 },
      { t: 2500, "kitt:num_requests_running": 1, "kitt:kv_cache_usage_perc": 0.2 },
    ]);
    expect(report.sources).toMatchObject({ "kitt:time_to_first_token_seconds": "vllm:time_to_first_token_seconds" });
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it("gives the client report's key names, in milliseconds", () => {
    const metrics = engineSideMetrics(report);
    expect(metrics).toMatchObject({ ttft_count: 10, generation_tokens: 300, max_num_requests_running: 4, max_kv_cache_usage: 0.5 });
    expect(metrics.mean_ttft_ms).toBeCloseTo(320);
    expect(metrics.median_ttft_ms).toBeCloseTo((0.1 + 0.4 * (5 / 8)) * 1000);
    expect(metrics).not.toHaveProperty("mean_queue_time_ms");
    expect(engineSideMetrics({ available: false, reason: "no metrics" })).toEqual({});
  });
});
