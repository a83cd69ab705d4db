/**
 * Reading a family's samples as series: one value per label set for counters and gauges, and
 * for histograms one bucket list (plus `_sum` and `_count`) per label set without `le`.
 */
import type { Bucket } from "./histogram-quantile.js";
import { parseNumber } from "./sample-line.js";
import type { Labels, MetricFamily } from "./types.js";

/** A stable key for a label set, ignoring `omit` (e.g. `le`). */
function labelKey(labels: Labels, omit?: string): string {
  return Object.keys(labels)
    .filter((name) => name !== omit)
    .sort()
    .map((name) => `${name}=${JSON.stringify(labels[name])}`)
    .join(",");
}

/** Values of the samples named like the family (a counter's or gauge's own samples), by label set. */
export function valuesByLabels(family: MetricFamily): Map<string, number> {
  const values = new Map<string, number>();
  for (const sample of family.samples) {
    if (sample.name === family.name) values.set(labelKey(sample.labels), sample.value);
  }
  return values;
}

export interface HistogramSeries {
  buckets: Bucket[];
  /** NaN when the series has no `_sum` sample. */
  sum: number;
  /** The `_count` sample, or the `+Inf` bucket when `_count` is missing. */
  count: number;
}

/** Histogram series by label set (without `le`). */
export function histogramSeries(family: MetricFamily): Map<string, HistogramSeries> {
  const series = new Map<string, HistogramSeries & { counted: boolean }>();
  const of = (key: string) => {
    let entry = series.get(key);
    if (!entry) {
      entry = { buckets: [], sum: NaN, count: 0, counted: false };
      series.set(key, entry);
    }
    return entry;
  };
  for (const sample of family.samples) {
    const suffix = sample.name.slice(family.name.length);
    if (suffix === "_bucket") {
      const le = parseNumber(sample.labels.le ?? "");
      if (le !== undefined && !Number.isNaN(le)) of(labelKey(sample.labels, "le")).buckets.push({ le, count: sample.value });
    } else if (suffix === "_sum") {
      of(labelKey(sample.labels)).sum = sample.value;
    } else if (suffix === "_count") {
      const entry = of(labelKey(sample.labels));
      entry.count = sample.value;
      entry.counted = true;
    }
  }
  const result = new Map<string, HistogramSeries>();
  for (const [key, { buckets, sum, count, counted }] of series) {
    const infinite = buckets.find((bucket) => bucket.le === Infinity);
    result.set(key, { buckets, sum, count: counted ? count : (infinite?.count ?? 0) });
  }
  return result;
}
