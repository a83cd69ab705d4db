/** Every chart of the HTML report, in page order. */
import type { ParsedReport } from "../formats/report-documents.js";
import { paletteColor, type ReportChart } from "./chart-spec.js";
import { cdfOnGrid, histogram, linearGrid } from "./distributions.js";
import { latencySamples } from "./request-samples.js";
import { engineCpuOverTime, engineMemoryOverTime, engineQueueOverTime, kvCacheOverTime, ttftOverTime } from "./engine-charts.js";
import { gpuMemoryOverTime, throughputOverTime, throughputVsConcurrency } from "./timeline-charts.js";

export function reportCharts(report: ParsedReport): ReportChart[] {
  const samples = latencySamples(report);
  return [
    histogramChart("ttft-histogram", "TTFT distribution", "time to first token (ms)", samples.ttftMs, 0, samples.source),
    histogramChart("itl-histogram", "ITL distribution", "inter-token latency (ms)", samples.itlMs, 1, samples.source),
    histogramChart("e2el-histogram", "E2EL distribution", "end-to-end latency (ms)", samples.e2elMs, 2, samples.source),
    latencyCdf(samples.ttftMs, samples.e2elMs, samples.source),
    throughputOverTime(report),
    throughputVsConcurrency(report),
    ttftOverTime(report),
    engineQueueOverTime(report),
    kvCacheOverTime(report),
    ...hardwareCharts(report),
  ];
}

/** GPU memory when it was sampled; without it, the engine's CPU and memory take its place. */
function hardwareCharts(report: ParsedReport): ReportChart[] {
  const gpu = gpuMemoryOverTime(report);
  const memory = engineMemoryOverTime(report);
  const cpu = engineCpuOverTime(report);
  if (gpu.available) return [gpu, memory, cpu];
  if (!memory.available) return [gpu, memory];
  const why = gpu.reason.replace(/^not measured: /, "");
  return [{ ...memory, note: `${memory.note ?? ""} · shown instead of GPU memory (${why})` }, cpu];
}

function histogramChart(id: string, title: string, xLabel: string, values: number[], colorIndex: number, source: string): ReportChart {
  if (values.length === 0) return { id, title, available: false, reason: "not measured: no per-request samples of this latency in this run" };
  const bins = histogram(values);
  return {
    id,
    title,
    available: true,
    kind: "bars",
    xLabel,
    yLabel: "count",
    x: bins.centers,
    series: [{ label: "count", values: bins.counts, color: paletteColor(colorIndex) }],
    note: `${values.length} samples · ${source}`,
  };
}

function latencyCdf(ttftMs: number[], e2elMs: number[], source: string): ReportChart {
  const id = "latency-cdf";
  const title = "Latency CDF";
  const present = [
    { label: "TTFT", values: ttftMs, color: paletteColor(0) },
    { label: "E2EL", values: e2elMs, color: paletteColor(2) },
  ].filter((s) => s.values.length > 0);
  if (present.length === 0) return { id, title, available: false, reason: "not measured: no per-request latencies in this run" };
  const grid = linearGrid(present.map((s) => s.values));
  return {
    id,
    title,
    available: true,
    kind: "line",
    xLabel: "latency (ms)",
    yLabel: "share of requests",
    x: grid,
    series: present.map((s) => ({ label: s.label, values: cdfOnGrid(s.values, grid), color: s.color })),
    note: source,
  };
}
