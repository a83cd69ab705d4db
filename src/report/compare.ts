/**
 * Side-by-side metrics of several runs against the first: delta, percentage, and a regression
 * flag that knows which direction is better (`compare-direction.ts`).
 */
import { metricDirection, type MetricDirection } from "./compare-direction.js";

/** A change for the worse of at least this fraction warns… */
export const WARN_FRACTION = 0.1;
/** …and of at least this fraction is critical. */
export const CRITICAL_FRACTION = 0.25;

export type CompareFlag = "critical" | "warning" | "better" | "same" | "changed";

export interface ComparedValue {
  value: number;
  delta: number;
  /** Change relative to the baseline in percent; null when the baseline is zero. */
  percent: number | null;
  flag: CompareFlag;
}

export interface CompareRow {
  /** `test.metric`, as the store keys it (`serve.median_ttft_ms`, `throughput#2.avg_tps`). */
  key: string;
  direction: MetricDirection | null;
  baseline: number;
  /** One entry per run after the first, in the order given. */
  others: ComparedValue[];
}

/** The metric's own name: `serve.ttft_ms.p99` → `ttft_ms.p99`. */
export function metricPart(key: string): string {
  const dot = key.indexOf(".");
  return dot < 0 ? key : key.slice(dot + 1);
}

export function compareFlag(baseline: number, value: number, direction: MetricDirection | undefined): CompareFlag {
  if (value === baseline) return "same";
  if (direction === undefined || baseline === 0) return "changed";
  const change = (value - baseline) / Math.abs(baseline);
  const worse = direction === "lower" ? change : -change;
  if (worse >= CRITICAL_FRACTION) return "critical";
  if (worse >= WARN_FRACTION) return "warning";
  return worse < 0 ? "better" : "same";
}

/** Rows for the metrics every run has, in key order; `values` is `compareMetrics`' result. */
export function compareRuns(runIds: readonly string[], values: Readonly<Record<string, Readonly<Record<string, number>>>>): CompareRow[] {
  const [first, ...rest] = runIds.map((id) => values[id] ?? {});
  if (first === undefined) return [];
  const shared = Object.keys(first).filter((key) => rest.every((run) => key in run));
  return shared.sort().map((key) => {
    const baseline = first[key] as number;
    const direction = metricDirection(metricPart(key));
    return {
      key,
      direction: direction ?? null,
      baseline,
      others: rest.map((run) => {
        const value = run[key] as number;
        const delta = value - baseline;
        return { value, delta, percent: baseline === 0 ? null : (delta / Math.abs(baseline)) * 100, flag: compareFlag(baseline, value, direction) };
      }),
    };
  });
}
