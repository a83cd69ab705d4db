/**
 * Charts over a run's time or load: output tokens per 1-second bucket (from every chunk's
 * arrival), throughput against concurrency (concurrency_scaling levels or sweep steps), and
 * GPU memory over time when the run carries samples.
 */
import { isObject, type JsonValue } from "../../json.js";
import type { RequestRecord } from "../../serve/types.js";
import type { ParsedReport } from "../formats/report-documents.js";
import { paletteColor, type ReportChart } from "./chart-spec.js";

/** Output tokens that arrived in each whole second of the run clock. */
export function tokensPerSecond(records: readonly RequestRecord[]): number[] {
  const buckets: number[] = [];
  for (const record of records) {
    if (!record.success) continue;
    record.chunkMs.forEach((offset, i) => {
      const second = Math.floor((record.sentMs + offset) / 1000);
      while (buckets.length <= second) buckets.push(0);
      // One token per chunk unless the server said how many a chunk carried.
      buckets[second]! += record.chunkTokens?.[i] ?? 1;
    });
  }
  return buckets;
}

export function throughputOverTime(report: ParsedReport): ReportChart {
  const base = { id: "throughput-time", title: "Output throughput over time" };
  const perFile = report.requests.map((file) => ({ name: file.name, buckets: tokensPerSecond(file.records) }));
  const length = Math.max(0, ...perFile.map((f) => f.buckets.length));
  if (length === 0) return { ...base, available: false, reason: "not measured: this run has no per-request chunk times (requests.jsonl)" };
  return {
    ...base,
    available: true,
    kind: "line",
    xLabel: "time since the run started (s)",
    yLabel: "output tokens / s",
    x: Array.from({ length }, (_, i) => i),
    series: perFile.map((file, i) => ({
      label: perFile.length > 1 ? `run ${i + 1}` : "output tokens per second",
      values: Array.from({ length }, (_, s) => file.buckets[s] ?? null),
      color: paletteColor(i),
    })),
    note: "output tokens in each 1-second bucket, counted at each chunk's arrival",
  };
}

interface LoadPoint {
  concurrency: number;
  outputThroughput: number;
}

export function throughputVsConcurrency(report: ParsedReport): ReportChart {
  const base = { id: "throughput-concurrency", title: "Throughput vs concurrency" };
  const { points, source } = loadPoints(report);
  if (points.length < 2) {
    return { ...base, available: false, reason: "not measured: one load level only; run a sweep (--sweep N) or the concurrency_scaling test" };
  }
  points.sort((a, b) => a.concurrency - b.concurrency);
  return {
    ...base,
    available: true,
    kind: "line",
    xLabel: "concurrency (requests in flight)",
    yLabel: "output tokens / s",
    x: points.map((p) => p.concurrency),
    series: [{ label: "output throughput", values: points.map((p) => p.outputThroughput), color: paletteColor(2) }],
    note: source,
  };
}

function loadPoints(report: ParsedReport): { points: LoadPoint[]; source: string } {
  const scaling = report.metrics?.results.find((r) => r.test_name === "concurrency_scaling" && Array.isArray(r.metrics.levels));
  if (scaling) {
    const levels = (scaling.metrics.levels as JsonValue[]).filter(isObject);
    return { points: levels.flatMap((l) => point(l.concurrency, l.output_throughput)), source: "concurrency_scaling levels (concurrency cap)" };
  }
  const steps = Array.isArray(report.serve?.runs) ? report.serve.runs.filter(isObject) : [];
  // A sweep varies the rate; its concurrency is the mean number in flight (Little's law).
  return { points: steps.flatMap((s) => point(s.littles_law_concurrency, s.output_throughput)), source: "sweep steps (mean requests in flight)" };
}

function point(concurrency: JsonValue | undefined, throughput: JsonValue | undefined): LoadPoint[] {
  return typeof concurrency === "number" && typeof throughput === "number" ? [{ concurrency, outputThroughput: throughput }] : [];
}

interface GpuSample {
  t: number;
  gpu: number;
  used_gb: number;
}

export function gpuMemoryOverTime(report: ParsedReport): ReportChart {
  const base = { id: "gpu-memory", title: "GPU memory over time" };
  // The run's own watch (once a second for the whole run) when it has samples, else any test's.
  const runWatch = runGpuWatch(report);
  const fromRun = runWatch?.available === true ? findGpuSamples([runWatch.samples ?? []]) : [];
  const samples = fromRun.length > 0 ? fromRun : findGpuSamples([...(report.metrics?.results.map((r) => r.metrics) ?? []), report.serve ?? {}]);
  if (samples.length === 0) return { ...base, available: false, reason: `not measured: ${gpuReason(report)}` };
  const gpus = [...new Set(samples.map((s) => s.gpu))].sort((a, b) => a - b);
  const times = [...new Set(samples.map((s) => s.t))].sort((a, b) => a - b);
  const at = new Map(samples.map((s) => [`${s.gpu}@${s.t}`, s.used_gb]));
  return {
    ...base,
    available: true,
    kind: "line",
    xLabel: "time (s)",
    yLabel: "used memory (GiB)",
    x: times.map((t) => t / 1000),
    series: gpus.map((gpu, i) => ({ label: `GPU ${gpu}`, values: times.map((t) => at.get(`${gpu}@${t}`) ?? null), color: paletteColor(i + 3) })),
  };
}

/** Arrays of `{t, gpu, used_gb}` anywhere in the metrics (the GPU sampler's samples). */
function findGpuSamples(values: readonly JsonValue[]): GpuSample[] {
  const found: GpuSample[] = [];
  const visit = (value: JsonValue): void => {
    if (Array.isArray(value)) {
      const samples = value.filter((v): v is Record<string, JsonValue> => isObject(v) && typeof v.t === "number" && typeof v.used_gb === "number");
      if (samples.length > 0 && samples.length === value.length) {
        for (const s of samples) found.push({ t: s.t as number, gpu: typeof s.gpu === "number" ? s.gpu : 0, used_gb: s.used_gb as number });
      } else value.forEach(visit);
    } else if (isObject(value)) Object.values(value).forEach(visit);
  };
  values.forEach(visit);
  return found;
}

/** `gpu_memory` of metrics.json or serve.json: the GPU memory sampler's report for the whole run. */
function runGpuWatch(report: ParsedReport): Record<string, JsonValue> | undefined {
  const watch = report.serve?.gpu_memory ?? (report.metrics?.gpu_memory as JsonValue | undefined);
  return isObject(watch) ? watch : undefined;
}

function gpuReason(report: ParsedReport): string {
  for (const result of report.metrics?.results ?? []) {
    const reason = result.metrics.gpu_memory_unavailable_reason;
    if (typeof reason === "string") return reason;
  }
  const hardwareReason = report.hardware?.gpu_unavailable_reason;
  if (typeof hardwareReason === "string") return `no GPU memory samples (${hardwareReason})`;
  const watch = runGpuWatch(report);
  return watch?.available === false && typeof watch.reason === "string" ? `no GPU memory samples (${watch.reason})` : "no GPU memory samples in this run";
}
