import { describe, expect, it } from "vitest";
import { renderHtmlReport } from "../../src/report/html/render-html.js";
import { renderSummaryMarkdown } from "../../src/results/summary-md.js";
import { renderTerminalSummary } from "../../src/report/terminal.js";
import { runSpreads, spreadOf, testSpread } from "../../src/results/run-spread.js";
import { metricsFile, testResult } from "./fixtures.js";

function run(runNumber: number, avgTps: number, extra: Partial<Parameters<typeof testResult>[0]> = {}) {
  return testResult({
    run_number: runNumber,
    metrics: { requests: 5, avg_tps: avgTps, method: "timed", latency: { p50: avgTps / 10 } },
    ...extra,
  });
}

describe("run-to-run spread", () => {
  it("uses the sample standard deviation (n − 1)", () => {
    // 10, 12, 14: mean 12; squares 4 + 0 + 4 = 8; 8 / 2 = 4; sd 2.
    expect(spreadOf([10, 12, 14])).toEqual({ mean: 12, sd: 2, min: 10, max: 14, n: 3 });
    expect(spreadOf([7])).toEqual({ mean: 7, sd: 0, min: 7, max: 7, n: 1 });
  });

  it("covers passed runs only, numeric metrics, dotted headline keys and shared strings", () => {
    const spread = testSpread(
      [run(1, 100), run(2, 110), run(3, 999, { passed: false, partial: true }), run(4, 120)],
      ["latency.p50", "method"],
    );
    expect(spread.runs).toBe(4);
    expect(spread.passed_runs).toBe(3);
    expect(spread.metrics.avg_tps).toEqual({ mean: 110, sd: 10, min: 100, max: 120, n: 3 });
    expect(spread.metrics["latency.p50"]?.mean).toBeCloseTo(11, 10);
    expect(spread.metrics.requests).toEqual({ mean: 5, sd: 0, min: 5, max: 5, n: 3 });
    expect(spread.same).toEqual({ method: "timed" });
  });

  it("leaves out a metric that some passed runs lack, and strings that differ", () => {
    const spread = testSpread(
      [
        testResult({ run_number: 1, metrics: { acc: 0.5, method: "a" } }),
        testResult({ run_number: 2, metrics: { acc: null, method: "b" } }),
      ],
      ["method"],
    );
    expect(spread.metrics).toEqual({});
    expect(spread.same).toEqual({});
  });

  it("is computed only for tests that ran more than once", () => {
    const spreads = runSpreads([run(1, 100), run(2, 110), testResult({ test_name: "latency" })]);
    expect(Object.keys(spreads)).toEqual(["throughput"]);
  });

  it("adds a mean ± sd row to summary.md and the terminal table", () => {
    const file = metricsFile({ results: [run(1, 100), run(2, 110), run(3, 120)], total_benchmarks: 3, passed_count: 3 });
    const markdown = renderSummaryMarkdown(file);
    expect(markdown).toContain("| mean ± sd (3 passed) |  |  | 110 ± 10 | — | — | — | 5 ± 0 |");
    const terminal = renderTerminalSummary(file, { color: false });
    expect(terminal).toMatch(/mean ± sd \(3 passed\)\s*│\s*110 ± 10\s*│(\s*—\s*│){3}\s*5 ± 0/);
    expect(renderSummaryMarkdown(metricsFile())).not.toContain("mean ± sd");
  });

  it("lists the mean ± sd among the HTML report's key metrics", () => {
    const file = metricsFile({ results: [run(1, 100), run(2, 110), run(3, 120)], total_benchmarks: 3, passed_count: 3 });
    const html = renderHtmlReport({ label: "r", files: { "metrics.json": JSON.stringify(file) } });
    expect(html).toContain(
      '<tr data-metric="avg_tps"><td>throughput mean ± sd (3 passed)</td><td title="avg_tps">mean output tokens per second</td><td class="num">110 ± 10</td><td class="unit">tok/s</td>',
    );
  });
});
