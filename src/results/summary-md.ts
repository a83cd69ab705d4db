/** `summary.md`: a results folder as a person reads it — status, key metrics per test, errors. */
import type { MetricsFile } from "./metrics-file.js";
import {
  formatMetric,
  metricValue,
  groupByTest,
  headlineColumns,
  registryHeadlines,
  resultLabel,
  type HeadlineLookup,
} from "./metric-format.js";
import { formatSpread, testSpread } from "./run-spread.js";

export function renderSummaryMarkdown(file: MetricsFile, headlines: HeadlineLookup = registryHeadlines()): string {
  const lines: string[] = [`# kitt results: ${file.suite_name}`, ""];
  lines.push(`**Status:** ${file.status} · **Passed:** ${file.passed ? "yes" : "no"} (${passedLine(file)})`, "");
  if (file.stop_reason !== null) lines.push(`**Stopped early:** ${escapeCell(file.stop_reason)}`, "");
  lines.push(
    "| | |",
    "|---|---|",
    `| Model | ${escapeCell(file.model)} |`,
    `| Engine | ${escapeCell(file.engine)} |`,
    `| Suite | ${escapeCell(`${file.suite_name} ${file.suite_version}`)} |`,
    `| Started | ${file.timestamp} |`,
    `| Total time | ${file.total_time_seconds.toFixed(1)} s |`,
    `| kitt | ${file.kitt_version} |`,
    "",
  );

  for (const group of groupByTest(file.results)) {
    const columns = headlineColumns(group, headlines);
    lines.push(`## ${group[0]?.test_name ?? ""}`, "");
    const header = ["Run", "Result", "Time (s)", ...columns];
    lines.push(`| ${header.join(" | ")} |`, `|${"---|".repeat(header.length)}`);
    for (const result of group) {
      const cells = [String(result.run_number), resultLabel(result), result.duration_seconds.toFixed(1)];
      cells.push(...columns.map((key) => escapeCell(formatMetric(metricValue(result.metrics, key)))));
      lines.push(`| ${cells.join(" | ")} |`);
    }
    if (group.length > 1) {
      const spread = testSpread(group, columns);
      const over = `mean ± sd (${spread.passed_runs} passed)`;
      lines.push(`| ${[over, "", "", ...columns.map((key) => escapeCell(formatSpread(spread, key)))].join(" | ")} |`);
    }
    lines.push("");
  }

  const errors = file.results.flatMap((result) =>
    result.errors.map((error) => `- ${result.test_name}, run ${result.run_number}: ${error}`),
  );
  if (errors.length > 0) lines.push("## Errors", "", ...errors, "");
  if (file.not_run.length > 0) {
    lines.push("## Not run", "", ...file.not_run.map((test) => `- ${test.test_name}, run ${test.run_number}: ${test.reason}`), "");
  }
  return lines.join("\n");
}

function passedLine(file: MetricsFile): string {
  const ran = `${file.passed_count} of ${file.total_benchmarks} tests passed`;
  return file.planned_benchmarks > file.total_benchmarks ? `${ran}, ${file.planned_benchmarks} planned` : ran;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}
