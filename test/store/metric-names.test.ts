import { describe, expect, it } from "vitest";
import { flattenMetrics } from "../../src/store/metric-names.js";

describe("flattenMetrics", () => {
  it("stores the engine's CPU and memory summary as metrics but not its samples over time", () => {
    const metrics = {
      ttft_ms: { p99: 3 },
      levels: [{ tps: 9 }],
      engine_process: { available: true, peak_rss_mb: 120.5, mean_cpu_percent: 80, samples: [{ t: 0, rss_mb: 100, cpu_percent: null }, { t: 1000, rss_mb: 120.5, cpu_percent: 80 }] },
    };
    expect(Object.fromEntries(flattenMetrics(metrics))).toEqual({
      "ttft_ms.p99": 3,
      "levels.0.tps": 9,
      "engine_process.peak_rss_mb": 120.5,
      "engine_process.mean_cpu_percent": 80,
    });
  });
});
