/**
 * Turns the scrapes of an engine's `/metrics` (under unified names) into a report: how much
 * each counter grew between the first and the last scrape, the distribution of what the
 * histograms observed in between, and the gauges over every scrape.
 */
import type { EngineName } from "../engines/types.js";
import { histogramQuantile, type Bucket } from "./prometheus/histogram-quantile.js";
import { histogramSeries, valuesByLabels, type HistogramSeries } from "./prometheus/series.js";
import { UNIFIED_METRICS, type UnifiedFamily, type UnifiedName } from "./prometheus/unified.js";

/** What a histogram observed between the two scrapes; quantiles are bucket estimates. */
export interface HistogramDelta {
  count: number;
  sum: number;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

export interface GaugeStats {
  min: number;
  max: number;
  mean: number;
  last: number;
}

/** One scrape's gauges: `t` in milliseconds since the first scrape, then one value per unified gauge. */
export interface GaugeSample {
  t: number;
  [unified: string]: number;
}

/** A histogram's running totals at one scrape (all label sets): what a chart of the mean per interval needs. */
export interface HistogramTotals {
  t: number;
  count: number;
  /** In the histogram's unit (seconds for latencies). */
  sum: number;
}

export interface EngineMetricsAvailable {
  available: true;
  engine: EngineName;
  url: string;
  interval_ms: number;
  /** Wall-clock times of the first ("before") and last successful ("after") scrapes. */
  before_at: string;
  after_at: string;
  window_s: number;
  /** Successful scrapes, before and after included. */
  scrapes: number;
  /** Failed scrapes; the last failure's message is in `last_error`. */
  errors: number;
  last_error?: string;
  /** The engine family each unified name was read from. */
  sources: Record<string, string>;
  deltas: {
    /** after − before, summed over label sets; a counter that went down restarted from zero. */
    counters: Record<string, number>;
    histograms: Record<string, HistogramDelta>;
  };
  gauges: Record<string, GaugeStats>;
  series: GaugeSample[];
  /** The engine's TTFT histogram totals at every scrape, when it exports one. */
  ttft_series?: HistogramTotals[];
}

export type EngineMetricsReport = EngineMetricsAvailable | { available: false; reason: string };

export interface UnifiedScrape {
  /** Milliseconds since the first scrape began. */
  t: number;
  at: string;
  families: Map<UnifiedName, UnifiedFamily>;
}

function combineOf(name: UnifiedName): "sum" | "mean" {
  return UNIFIED_METRICS.find((metric) => metric.name === name)?.combine ?? "sum";
}

/** Growth of a counter; a series that went down was reset (engine restart) and counts from zero. */
export function counterDelta(before: UnifiedFamily | undefined, after: UnifiedFamily): number {
  const previous = before ? valuesByLabels(before) : new Map<string, number>();
  let total = 0;
  for (const [key, value] of valuesByLabels(after)) {
    if (!Number.isFinite(value)) continue;
    const old = previous.get(key);
    total += old === undefined || !Number.isFinite(old) || value < old ? value : value - old;
  }
  return total;
}

function bucketsDecreased(before: readonly Bucket[], after: readonly Bucket[]): boolean {
  const old = new Map(before.map((bucket) => [bucket.le, bucket.count]));
  return after.some((bucket) => bucket.count < (old.get(bucket.le) ?? 0));
}

/** What a histogram observed between two scrapes, summed over its label sets. */
export function histogramDelta(before: UnifiedFamily | undefined, after: UnifiedFamily): HistogramDelta {
  const previous: Map<string, HistogramSeries> = before ? histogramSeries(before) : new Map();
  const merged = new Map<number, number>();
  let count = 0;
  let sum = 0;
  for (const [key, now] of histogramSeries(after)) {
    const old = previous.get(key);
    const reset = !old || now.count < old.count || bucketsDecreased(old.buckets, now.buckets);
    const oldCounts = new Map<number, number>(reset ? [] : old.buckets.map((bucket) => [bucket.le, bucket.count]));
    for (const bucket of now.buckets) {
      merged.set(bucket.le, (merged.get(bucket.le) ?? 0) + bucket.count - (oldCounts.get(bucket.le) ?? 0));
    }
    count += reset ? now.count : now.count - old.count;
    sum += reset ? now.sum : now.sum - old.sum;
  }
  const buckets = [...merged].map(([le, bucketCount]) => ({ le, count: bucketCount }));
  const quantile = (q: number) => (count > 0 ? (histogramQuantile(q, buckets) ?? null) : null);
  return {
    count,
    sum: Number.isNaN(sum) ? 0 : sum,
    mean: count > 0 && !Number.isNaN(sum) ? sum / count : null,
    p50: quantile(0.5),
    p90: quantile(0.9),
    p99: quantile(0.99),
  };
}

/** A gauge's label sets as one number: added up, or averaged for fractions. */
export function gaugeValue(family: UnifiedFamily): number | undefined {
  const values = family.samples.map((sample) => sample.value).filter(Number.isFinite);
  if (values.length === 0) return undefined;
  const total = values.reduce((sum, value) => sum + value, 0);
  return combineOf(family.name) === "mean" ? total / values.length : total;
}

function gaugeStats(values: readonly number[]): GaugeStats {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const value of values) {
    min = Math.min(min, value);
    max = Math.max(max, value);
    sum += value;
  }
  return { min, max, mean: sum / values.length, last: values[values.length - 1]! };
}

/** One scrape's gauges, each as one number. */
export function gaugeSampleOf(scrape: UnifiedScrape): GaugeSample {
  const sample: GaugeSample = { t: scrape.t };
  for (const [name, family] of scrape.families) {
    if (family.type !== "gauge") continue;
    const value = gaugeValue(family);
    if (value !== undefined) sample[name] = value;
  }
  return sample;
}

/** A histogram's totals in one scrape, summed over its label sets; undefined when the scrape lacks it. */
export function histogramTotalsOf(scrape: UnifiedScrape, name: UnifiedName): HistogramTotals | undefined {
  const family = scrape.families.get(name);
  if (family?.type !== "histogram") return undefined;
  let count = 0;
  let sum = 0;
  for (const series of histogramSeries(family).values()) {
    count += series.count;
    if (Number.isFinite(series.sum)) sum += series.sum;
  }
  return { t: scrape.t, count, sum };
}

export interface ReportInput {
  engine: EngineName;
  url: string;
  intervalMs: number;
  before: UnifiedScrape;
  /** The last successful scrape. */
  after: UnifiedScrape;
  /** Gauges of every successful scrape, before and after included. */
  series: GaugeSample[];
  ttftSeries?: HistogramTotals[];
  errors: number;
  lastError?: string;
}

export function buildEngineMetricsReport(input: ReportInput): EngineMetricsAvailable {
  const { before, after, series } = input;
  const sources: Record<string, string> = {};
  const counters: Record<string, number> = {};
  const histograms: Record<string, HistogramDelta> = {};
  for (const [name, family] of [...before.families, ...after.families]) sources[name] = family.source;
  for (const [name, family] of after.families) {
    if (family.type === "counter") counters[name] = counterDelta(before.families.get(name), family);
    if (family.type === "histogram") histograms[name] = histogramDelta(before.families.get(name), family);
  }
  const gaugeValues = new Map<string, number[]>();
  for (const sample of series) {
    for (const [name, value] of Object.entries(sample)) {
      if (name === "t") continue;
      const values = gaugeValues.get(name);
      if (values) values.push(value);
      else gaugeValues.set(name, [value]);
    }
  }
  const gauges: Record<string, GaugeStats> = {};
  for (const [name, values] of gaugeValues) gauges[name] = gaugeStats(values);
  return {
    available: true,
    engine: input.engine,
    url: input.url,
    interval_ms: input.intervalMs,
    before_at: before.at,
    after_at: after.at,
    window_s: (after.t - before.t) / 1000,
    scrapes: series.length,
    errors: input.errors,
    ...(input.lastError === undefined ? {} : { last_error: input.lastError }),
    sources,
    deltas: { counters, histograms },
    gauges,
    series,
    ...(input.ttftSeries && input.ttftSeries.length > 0 ? { ttft_series: input.ttftSeries } : {}),
  };
}
