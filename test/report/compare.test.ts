import { describe, expect, it } from "vitest";
import { metricDirection } from "../../src/report/compare-direction.js";
import { compareFlag, compareRuns, metricPart } from "../../src/report/compare.js";

describe("metricDirection", () => {
  it.each([
    "median_ttft_ms",
    "p99_itl_ms",
    "mean_tpot_ms",
    "mean_e2el_ms",
    "ttft_ms.p99",
    "total_latency_ms.p50",
    "p50_latency_ms",
    "per_token_ms.avg",
    "overall_peak_gpu_memory_gb",
    "memory_range_gb",
    "failed",
    "levels.0.mean_ttft_ms",
  ])("lower is better for %s", (name) => {
    expect(metricDirection(name)).toBe("lower");
  });

  it.each([
    "output_throughput",
    "request_throughput",
    "total_token_throughput",
    "max_output_tokens_per_s",
    "avg_tps",
    "tokens_per_second",
    "request_goodput",
    "completed",
    "levels.2.completed",
    "accuracy",
    "max_output_throughput",
  ])("higher is better for %s", (name) => {
    expect(metricDirection(name)).toBe("higher");
  });

  it.each(["optimal_concurrency", "requests", "total_output_tokens", "num_prompts", "duration"])("has no direction for %s", (name) => {
    expect(metricDirection(name)).toBeUndefined();
  });
});

describe("compareFlag", () => {
  it("flags latencies that grew and throughputs that fell, at 10% and 25%", () => {
    expect(compareFlag(100, 109, "lower")).toBe("same");
    expect(compareFlag(100, 110, "lower")).toBe("warning");
    expect(compareFlag(100, 125, "lower")).toBe("critical");
    expect(compareFlag(100, 80, "lower")).toBe("better");
    expect(compareFlag(100, 90, "higher")).toBe("warning");
    expect(compareFlag(100, 70, "higher")).toBe("critical");
    expect(compareFlag(100, 150, "higher")).toBe("better");
  });

  it("never flags a metric without a direction or a zero baseline", () => {
    expect(compareFlag(4, 8, undefined)).toBe("changed");
    expect(compareFlag(0, 5, "lower")).toBe("changed");
    expect(compareFlag(3, 3, "higher")).toBe("same");
  });
});

describe("compareRuns", () => {
  const values = {
    base: { "serve.median_ttft_ms": 100, "serve.output_throughput": 200, "serve.completed": 50, "serve.only_here": 1 },
    slower: { "serve.median_ttft_ms": 130, "serve.output_throughput": 150, "serve.completed": 50 },
    faster: { "serve.median_ttft_ms": 80, "serve.output_throughput": 210, "serve.completed": 50, "other.x": 3 },
  };

  it("keeps the metrics every run shares, with deltas and percentages against the first", () => {
    const rows = compareRuns(["base", "slower", "faster"], values);
    expect(rows.map((r) => r.key)).toEqual(["serve.completed", "serve.median_ttft_ms", "serve.output_throughput"]);
    const ttft = rows.find((r) => r.key === "serve.median_ttft_ms")!;
    expect(ttft.direction).toBe("lower");
    expect(ttft.baseline).toBe(100);
    expect(ttft.others.map((o) => [o.delta, o.percent, o.flag])).toEqual([
      [30, 30, "critical"],
      [-20, -20, "better"],
    ]);
    const throughput = rows.find((r) => r.key === "serve.output_throughput")!;
    expect(throughput.others.map((o) => o.flag)).toEqual(["critical", "better"]);
    expect(throughput.others[1]?.percent).toBeCloseTo(5);
  });

  it("reads the direction from the metric, not the test name", () => {
    expect(metricPart("latency.requests")).toBe("requests");
    const rows = compareRuns(["a", "b"], { a: { "latency.requests": 10 }, b: { "latency.requests": 20 } });
    expect(rows[0]?.direction).toBeNull();
    expect(rows[0]?.others[0]?.flag).toBe("changed");
  });
});
