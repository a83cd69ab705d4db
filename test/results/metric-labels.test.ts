import { describe, expect, it } from "vitest";
import { BUILTIN_BENCHMARKS } from "../../src/bench/registry.js";
import { knownMetricLabel, labelWithUnit, metricLabel } from "../../src/results/metric-labels.js";

describe("metricLabel", () => {
  it("names vLLM's latency statistics with their unit", () => {
    expect(metricLabel("p99_ttft_ms")).toEqual({ label: "p99 time to first token", unit: "ms" });
    expect(metricLabel("median_e2el_ms")).toEqual({ label: "median end-to-end latency", unit: "ms" });
    expect(metricLabel("std_tpot_ms")).toEqual({ label: "std dev of time per output token", unit: "ms" });
    expect(metricLabel("mean_ttft_content_ms")).toEqual({ label: "mean time to first content token", unit: "ms" });
    expect(metricLabel("connection_wait_p99_ms")).toEqual({ label: "p99 wait for a connection", unit: "ms" });
    expect(metricLabel("ttft_ms.p50")).toEqual({ label: "median time to first token", unit: "ms" });
    expect(labelWithUnit("output_throughput")).toBe("output throughput (tok/s)");
    expect(labelWithUnit("completed")).toBe("requests completed");
  });

  it("falls back to the key's words and a unit from its suffix", () => {
    expect(metricLabel("warmup_time_s")).toEqual({ label: "warmup time", unit: "s" });
    expect(metricLabel("levels.peak_gb")).toEqual({ label: "peak", unit: "GB" });
    expect(metricLabel("kitt:some_gauge")).toEqual({ label: "some gauge", unit: "" });
  });

  it("knows every built-in test's headline metrics", () => {
    const keys = [...BUILTIN_BENCHMARKS.values()].flatMap((test) => test.headlineMetrics ?? []);
    expect(keys.length).toBeGreaterThan(20);
    expect(keys.filter((key) => knownMetricLabel(key) === undefined)).toEqual([]);
    expect(knownMetricLabel("warmup_time_s")).toBeUndefined();
  });
});
