import { describe, expect, it } from "vitest";
import { renderTerminalSummary } from "../../src/report/terminal.js";
import { metricsFile, testResult } from "../results/fixtures.js";

describe("terminal summary", () => {
  it("shows the verdict and a table of headline metrics per test", () => {
    const text = renderTerminalSummary(metricsFile(), { color: false, resultsDir: "/tmp/results/x" });
    const lines = text.split("\n");
    expect(lines[0]).toBe("kitt quick · tiny.gguf on llama_cpp · PASSED · completed");
    expect(lines[1]).toBe("1/1 tests passed · 4.0 s");
    expect(text).toMatch(/│ run\s+│ result\s+│ time \(s\)\s+│ avg_tps\s+│ p50_latency_ms/);
    expect(text).toMatch(/│\s+1 │ passed\s+│\s+3\.3 │\s+123\.46 │\s+250\.50 │/);
    expect(lines.at(-1)).toBe("results: /tmp/results/x");
    expect(text).not.toContain("\u001b[");
  });

  it("shows errors and tests not run, in colour when asked", () => {
    const text = renderTerminalSummary(
      metricsFile({
        status: "interrupted",
        passed: false,
        planned_benchmarks: 2,
        stop_reason: "interrupted by SIGINT",
        results: [testResult({ passed: false, partial: true, errors: ["stopped before request 3/5: interrupted by SIGINT"] })],
        not_run: [{ test_name: "throughput", run_number: 2, reason: "interrupted by SIGINT" }],
      }),
      { color: true },
    );
    expect(text).toContain("\u001b[31mFAILED");
    expect(text).toContain("stopped early: interrupted by SIGINT");
    expect(text).toContain("throughput #1: stopped before request 3/5: interrupted by SIGINT");
    expect(text).toContain("throughput #2: interrupted by SIGINT");
  });
});
