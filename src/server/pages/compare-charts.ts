/**
 * The Compare page's overlays, one series per run, built from each run's report documents with
 * the HTML report's own readers: throughput against concurrency, and the TTFT and end-to-end
 * latency distributions as CDFs on one grid.
 */
import type { ReportDocuments } from "../../report/formats/report-documents.js";
import { parseReport } from "../../report/formats/report-documents.js";
import { paletteColor, type ReportChart } from "../../report/html/chart-spec.js";
import { cdfOnGrid, linearGrid } from "../../report/html/distributions.js";
import { latencySamples } from "../../report/html/request-samples.js";
import { throughputVsConcurrency } from "../../report/html/timeline-charts.js";

export interface ComparedReport {
  label: string;
  docs: ReportDocuments;
}

export function compareCharts(runs: readonly ComparedReport[]): ReportChart[] {
  const parsed = runs.map((run) => ({ label: run.label, report: parseReport(run.docs) }));
  const samples = parsed.map((run) => ({ label: run.label, samples: latencySamples(run.report) }));
  return [
    concurrencyOverlay(parsed.map((run) => ({ label: run.label, chart: throughputVsConcurrency(run.report) }))),
    cdfOverlay("compare-ttft-cdf", "TTFT distribution (CDF)", "time to first token (ms)", samples.map((s) => ({ label: s.label, values: s.samples.ttftMs }))),
    cdfOverlay("compare-e2el-cdf", "End-to-end latency distribution (CDF)", "end-to-end latency (ms)", samples.map((s) => ({ label: s.label, values: s.samples.e2elMs }))),
  ];
}

function concurrencyOverlay(runs: ReadonlyArray<{ label: string; chart: ReportChart }>): ReportChart {
  const base = { id: "compare-throughput-concurrency", title: "Throughput vs concurrency" };
  const drawn = runs.flatMap((run, index) => (run.chart.available ? [{ label: run.label, index, chart: run.chart, x: run.chart.x, values: run.chart.series[0]?.values ?? [] }] : []));
  const first = drawn[0];
  if (first === undefined) return { ...base, available: false, reason: "not measured: no compared run has more than one load level (a sweep or the concurrency_scaling test)" };
  const x = [...new Set(drawn.flatMap((run) => run.x))].sort((a, b) => a - b);
  return {
    ...base,
    available: true,
    kind: "line",
    // The axes of the report's own throughput-vs-concurrency chart, which each run's line comes from.
    xLabel: first.chart.xLabel,
    yLabel: first.chart.yLabel,
    x,
    series: drawn.map((run) => {
      const at = new Map(run.x.map((level, i) => [level, run.values[i] ?? null]));
      return { label: run.label, values: x.map((level) => at.get(level) ?? null), color: paletteColor(run.index) };
    }),
    note: drawn.length < runs.length ? `${runs.length - drawn.length} of the runs have a single load level and are not drawn` : undefined,
  };
}

function cdfOverlay(id: string, title: string, xLabel: string, runs: ReadonlyArray<{ label: string; values: number[] }>): ReportChart {
  const present = runs.map((run, index) => ({ ...run, index })).filter((run) => run.values.length > 0);
  if (present.length === 0) return { id, title, available: false, reason: "not measured: no compared run has per-request latencies" };
  const grid = linearGrid(present.map((run) => run.values));
  return {
    id,
    title,
    available: true,
    kind: "line",
    xLabel,
    yLabel: "share of requests",
    x: grid,
    series: present.map((run) => ({ label: run.label, values: cdfOnGrid(run.values, grid), color: paletteColor(run.index) })),
    note: present.map((run) => `${run.label}: ${run.values.length} requests`).join(" · "),
  };
}
