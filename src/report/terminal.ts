/** The end-of-run summary for the terminal: the same content as `summary.md`, as tables. */
import pc from "picocolors";
import type { MetricsFile } from "../results/metrics-file.js";
import {
  formatMetric,
  metricValue,
  groupByTest,
  headlineColumns,
  registryHeadlines,
  resultLabel,
  type HeadlineLookup,
} from "../results/metric-format.js";
import { formatSpread, testSpread } from "../results/run-spread.js";
import { textTable } from "./text-table.js";

export interface TerminalSummaryOptions {
  /** Colours on or off; picocolors' own detection (TTY, NO_COLOR, FORCE_COLOR) by default. */
  color?: boolean;
  headlines?: HeadlineLookup;
  /** Path of the results folder, shown last. */
  resultsDir?: string;
}

export function renderTerminalSummary(file: MetricsFile, options: TerminalSummaryOptions = {}): string {
  const c = pc.createColors(options.color ?? pc.isColorSupported);
  const headlines = options.headlines ?? registryHeadlines();
  const verdict = file.passed ? c.green("PASSED") : c.red("FAILED");
  const out: string[] = [
    `${c.bold(`kitt ${file.suite_name}`)} · ${file.model} on ${file.engine} · ${verdict} · ${file.status}`,
    `${file.passed_count}/${file.total_benchmarks} tests passed` +
      (file.planned_benchmarks > file.total_benchmarks ? `, ${file.planned_benchmarks} planned` : "") +
      ` · ${file.total_time_seconds.toFixed(1)} s`,
  ];
  if (file.stop_reason !== null) out.push(c.yellow(`stopped early: ${file.stop_reason}`));

  for (const group of groupByTest(file.results)) {
    const columns = headlineColumns(group, headlines);
    const table = textTable({
      head: ["run", "result", "time (s)", ...columns],
      colAligns: ["right", "left", "right", ...columns.map(() => "right" as const)],
      color: options.color,
    });
    for (const result of group) {
      const label = resultLabel(result);
      table.push([
        String(result.run_number),
        result.passed ? c.green(label) : c.red(label),
        result.duration_seconds.toFixed(1),
        ...columns.map((key) => formatMetric(metricValue(result.metrics, key))),
      ]);
    }
    if (group.length > 1) {
      const spread = testSpread(group, columns);
      table.push([
        { colSpan: 3, content: `mean ± sd (${spread.passed_runs} passed)` },
        ...columns.map((key) => formatSpread(spread, key)),
      ]);
    }
    out.push("", c.bold(group[0]?.test_name ?? ""), table.toString());
  }

  const errors = file.results.flatMap((result) =>
    result.errors.map((error) => `  ${result.test_name} #${result.run_number}: ${error}`),
  );
  if (errors.length > 0) out.push("", c.red("errors"), ...errors);
  if (file.not_run.length > 0) {
    out.push("", c.yellow("not run"), ...file.not_run.map((test) => `  ${test.test_name} #${test.run_number}: ${test.reason}`));
  }
  if (options.resultsDir !== undefined) out.push("", `results: ${options.resultsDir}`);
  return out.join("\n");
}
