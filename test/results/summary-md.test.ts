import { describe, expect, it } from "vitest";
import { renderSummaryMarkdown } from "../../src/results/summary-md.js";
import { metricsFile, testResult } from "./fixtures.js";

describe("summary.md", () => {
  it("shows status, run facts and each test's headline metrics", () => {
    expect(renderSummaryMarkdown(metricsFile())).toBe(
      [
        "# kitt results: quick",
        "",
        "**Status:** completed · **Passed:** yes (1 of 1 tests passed)",
        "",
        "| | |",
        "|---|---|",
        "| Model | tiny.gguf |",
        "| Engine | llama_cpp |",
        "| Suite | quick 1.0.0 |",
        "| Started | 2025-01-02T03:04:05.000Z |",
        "| Total time | 4.0 s |",
        "| kitt | 0.1.0 |",
        "",
        "## throughput",
        "",
        "| Run | Result | Time (s) | avg_tps | p50_latency_ms | p99_latency_ms | avg_ttft_ms | requests |",
        "|---|---|---|---|---|---|---|---|",
        "| 1 | passed | 3.3 | 123.46 | 250.50 | 498.04 | 20 | 5 |",
        "",
      ].join("\n"),
    );
  });

  it("lists errors, tests not run and why the suite stopped", () => {
    const markdown = renderSummaryMarkdown(
      metricsFile({
        status: "failed",
        passed: false,
        total_benchmarks: 1,
        planned_benchmarks: 2,
        passed_count: 0,
        failed_count: 1,
        stop_reason: "engine exited with code 139",
        results: [testResult({ passed: false, partial: true, errors: ["request 3/5: engine exited with code 139"] })],
        not_run: [{ test_name: "throughput", run_number: 2, reason: "engine exited with code 139" }],
      }),
    );
    expect(markdown).toContain("**Status:** failed · **Passed:** no (0 of 1 tests passed, 2 planned)");
    expect(markdown).toContain("**Stopped early:** engine exited with code 139");
    expect(markdown).toContain("| 1 | failed (partial) | 3.3 |");
    expect(markdown).toContain("## Errors\n\n- throughput, run 1: request 3/5: engine exited with code 139\n");
    expect(markdown).toContain("## Not run\n\n- throughput, run 2: engine exited with code 139\n");
  });

  it("falls back to a test's first numeric metrics and escapes table cells", () => {
    const markdown = renderSummaryMarkdown(
      metricsFile({
        model: "a|b",
        results: [testResult({ test_name: "custom", metrics: { accuracy: 0.5, label: "x", n: 10, nested: { a: 1 } } })],
      }),
    );
    expect(markdown).toContain("| Model | a\\|b |");
    expect(markdown).toContain("| Run | Result | Time (s) | accuracy | n |");
    expect(markdown).toContain("| 1 | passed | 3.3 | 0.50 | 10 |");
  });
});
