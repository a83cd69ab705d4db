/**
 * The engine's own view over time, beside the client's: its `/metrics` gauges (requests running
 * and waiting, KV-cache use) and its TTFT per scrape interval, as the scraper kept them in
 * `serve.json` (`engine_metrics`, per sweep step in `runs[]`); and its CPU and memory as the
 * process sampler kept them (`engine_process` in `serve.json` or `metrics.json`).
 */
import { isObject, type JsonValue } from "../../json.js";
import type { ParsedReport } from "../formats/report-documents.js";
import { paletteColor, type ReportChart } from "./chart-spec.js";

const RUNNING = "kitt:num_requests_running";
const WAITING = "kitt:num_requests_waiting";
const KV_CACHE = "kitt:kv_cache_usage_perc";

type Json = Record<string, JsonValue>;

interface Scrapes {
  /** Seconds since the first step's first scrape, per gauge sample. */
  gauges: Array<{ t: number; values: Json }>;
  ttft: Array<{ t: number; count: number; sum: number }>;
  engine: string;
}

/** Every available `engine_metrics` of the run, its times on one clock (sweep steps follow each other). */
function engineScrapes(report: ParsedReport): Scrapes | { reason: string } {
  const serve = report.serve;
  if (!serve) return { reason: "not measured: the engine's /metrics is scraped during serving runs (kitt bench serve)" };
  const steps = Array.isArray(serve.runs) ? serve.runs.filter(isObject) : [serve];
  const available = steps.map((step) => step.engine_metrics).filter((m): m is Json => isObject(m) && m.available === true);
  if (available.length === 0) {
    const first = steps.map((step) => step.engine_metrics).find(isObject);
    const reason = typeof first?.reason === "string" ? first.reason : "the run did not scrape the engine's /metrics";
    return { reason: `not measured: ${reason}` };
  }
  const origin = Date.parse(String(available[0]!.before_at));
  const scrapes: Scrapes = { gauges: [], ttft: [], engine: String(available[0]!.engine) };
  for (const metrics of available) {
    const offset = (Date.parse(String(metrics.before_at)) - origin) / 1000;
    const at = (t: JsonValue | undefined) => offset + (typeof t === "number" ? t : 0) / 1000;
    for (const sample of Array.isArray(metrics.series) ? metrics.series.filter(isObject) : []) scrapes.gauges.push({ t: at(sample.t), values: sample });
    for (const totals of Array.isArray(metrics.ttft_series) ? metrics.ttft_series.filter(isObject) : []) {
      if (typeof totals.count === "number" && typeof totals.sum === "number") scrapes.ttft.push({ t: at(totals.t), count: totals.count, sum: totals.sum });
    }
  }
  return scrapes;
}

function gaugeValues(scrapes: Scrapes, name: string): Array<number | null> {
  return scrapes.gauges.map((g) => (typeof g.values[name] === "number" ? (g.values[name] as number) : null));
}

export function engineQueueOverTime(report: ParsedReport): ReportChart {
  const base = { id: "engine-requests", title: "Engine: requests running and waiting" };
  const scrapes = engineScrapes(report);
  if ("reason" in scrapes) return { ...base, available: false, reason: scrapes.reason };
  const series = [
    { label: "running", values: gaugeValues(scrapes, RUNNING), color: paletteColor(0) },
    { label: "waiting", values: gaugeValues(scrapes, WAITING), color: paletteColor(1) },
  ].filter((s) => s.values.some((v) => v !== null));
  if (series.length === 0) return { ...base, available: false, reason: `not measured: ${scrapes.engine}'s /metrics has no request-count gauges kitt knows` };
  return {
    ...base,
    available: true,
    kind: "line",
    xLabel: "time since the first scrape (s)",
    yLabel: "requests",
    x: scrapes.gauges.map((g) => g.t),
    series,
    note: `${scrapes.engine} /metrics, one scrape per second (kitt:num_requests_running, kitt:num_requests_waiting)`,
  };
}

export function kvCacheOverTime(report: ParsedReport): ReportChart {
  const base = { id: "engine-kv-cache", title: "Engine: KV-cache use" };
  const scrapes = engineScrapes(report);
  if ("reason" in scrapes) return { ...base, available: false, reason: scrapes.reason };
  const values = gaugeValues(scrapes, KV_CACHE).map((v) => (v === null ? null : v * 100));
  if (values.every((v) => v === null)) {
    return { ...base, available: false, reason: `not measured: ${scrapes.engine}'s /metrics does not export KV-cache use` };
  }
  return {
    ...base,
    available: true,
    kind: "line",
    xLabel: "time since the first scrape (s)",
    yLabel: "KV cache used (%)",
    x: scrapes.gauges.map((g) => g.t),
    series: [{ label: "KV-cache use", values, color: paletteColor(3) }],
    note: `${scrapes.engine} /metrics (kitt:kv_cache_usage_perc)`,
  };
}

/**
 * The engine's mean TTFT in each scrape interval (growth of its histogram's sum over growth of
 * its count) beside the client's mean TTFT of the requests whose first token came in that second.
 */
export function ttftOverTime(report: ParsedReport): ReportChart {
  const base = { id: "ttft-time", title: "TTFT over time: engine and client" };
  const client = clientTtftPerSecond(report);
  const scrapes = engineScrapes(report);
  const engine = "reason" in scrapes ? [] : engineTtftPerInterval(scrapes.ttft);
  if (client.length === 0 && engine.length === 0) {
    return { ...base, available: false, reason: "not measured: no per-request TTFTs and no engine TTFT histogram in this run" };
  }
  const x = [...new Set([...client.map((p) => p.t), ...engine.map((p) => p.t)])].sort((a, b) => a - b);
  const on = (points: Array<{ t: number; ms: number }>) => {
    const at = new Map(points.map((p) => [p.t, p.ms]));
    return x.map((t) => at.get(t) ?? null);
  };
  const series = [];
  if (client.length > 0) series.push({ label: "client mean TTFT", values: on(client), color: paletteColor(0) });
  if (engine.length > 0) series.push({ label: "engine mean TTFT", values: on(engine), color: paletteColor(1) });
  const engineNote =
    "reason" in scrapes
      ? scrapes.reason.replace(/^not measured: /, "engine: ")
      : engine.length === 0
        ? `${scrapes.engine} exports no TTFT histogram`
        : `engine: per scrape interval from ${scrapes.engine}'s TTFT histogram`;
  return {
    ...base,
    available: true,
    kind: "line",
    xLabel: "time since the run started (s)",
    yLabel: "TTFT (ms)",
    x,
    series,
    spanGaps: true,
    note: `client: requests by the second their first token arrived · ${engineNote}`,
  };
}

function clientTtftPerSecond(report: ParsedReport): Array<{ t: number; ms: number }> {
  const sums = new Map<number, { total: number; count: number }>();
  for (const file of report.requests) {
    for (const record of file.records) {
      if (!record.success || record.ttftMs === null) continue;
      const second = Math.floor((record.sentMs + record.ttftMs) / 1000);
      const entry = sums.get(second) ?? { total: 0, count: 0 };
      entry.total += record.ttftMs;
      entry.count += 1;
      sums.set(second, entry);
    }
  }
  return [...sums].map(([second, { total, count }]) => ({ t: second + 0.5, ms: total / count }));
}

function engineTtftPerInterval(totals: Scrapes["ttft"]): Array<{ t: number; ms: number }> {
  const points: Array<{ t: number; ms: number }> = [];
  for (let i = 1; i < totals.length; i++) {
    const count = totals[i]!.count - totals[i - 1]!.count;
    const sum = totals[i]!.sum - totals[i - 1]!.sum;
    // No first token in the interval, or the engine restarted (totals went down).
    if (count > 0 && sum >= 0) points.push({ t: totals[i]!.t, ms: (sum / count) * 1000 });
  }
  return points;
}

interface ProcessPoint {
  t: number;
  rssMb: number;
  cpuPercent: number | null;
}

function engineProcess(report: ParsedReport): { points: ProcessPoint[]; target: string; source: string } | { reason: string } {
  const usage = report.serve?.engine_process ?? (report.metrics?.engine_process as JsonValue | undefined);
  if (!isObject(usage)) return { reason: "not measured: this run kept no samples of the engine's CPU and memory" };
  if (usage.available !== true) return { reason: typeof usage.reason === "string" ? usage.reason : "not measured" };
  const points = (Array.isArray(usage.samples) ? usage.samples.filter(isObject) : []).flatMap((s) =>
    typeof s.t === "number" && typeof s.rss_mb === "number" ? [{ t: s.t / 1000, rssMb: s.rss_mb, cpuPercent: typeof s.cpu_percent === "number" ? s.cpu_percent : null }] : [],
  );
  if (points.length === 0) return { reason: "not measured: no samples of the engine's CPU and memory" };
  return { points, target: String(usage.target), source: String(usage.source) };
}

export function engineMemoryOverTime(report: ParsedReport): ReportChart {
  const base = { id: "engine-memory", title: "Engine memory over time" };
  const usage = engineProcess(report);
  if ("reason" in usage) return { ...base, available: false, reason: usage.reason };
  return {
    ...base,
    available: true,
    kind: "line",
    xLabel: "time since the engine was ready (s)",
    yLabel: "resident memory (MB)",
    x: usage.points.map((p) => p.t),
    series: [{ label: "resident memory", values: usage.points.map((p) => p.rssMb), color: paletteColor(4) }],
    note: `${usage.target}, ${usage.source === "procfs" ? "with every process it started, from /proc" : "from docker stats"}`,
  };
}

export function engineCpuOverTime(report: ParsedReport): ReportChart {
  const base = { id: "engine-cpu", title: "Engine CPU over time" };
  const usage = engineProcess(report);
  if ("reason" in usage) return { ...base, available: false, reason: usage.reason };
  if (usage.points.every((p) => p.cpuPercent === null)) return { ...base, available: false, reason: "not measured: fewer than two CPU readings" };
  return {
    ...base,
    available: true,
    kind: "line",
    xLabel: "time since the engine was ready (s)",
    yLabel: "CPU (%, 100 = one core)",
    x: usage.points.map((p) => p.t),
    series: [{ label: "CPU", values: usage.points.map((p) => p.cpuPercent), color: paletteColor(5) }],
    note: `${usage.target}, ${usage.source === "procfs" ? "CPU time between samples, from /proc" : "from docker stats"}`,
  };
}
