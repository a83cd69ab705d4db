/**
 * Run-to-run spread for tests that ran more than once: per metric, the mean over the runs that
 * passed, the sample standard deviation (n − 1, the spread of repeated measurements — not
 * numpy's population `std` used for samples within one run), and the range. Failed and
 * partial runs are left out: their metrics cover only part of the work.
 */
import type { TestResult } from "../bench/suite-results.js";
import { mean } from "../stats.js";
import { groupByTest, metricValue } from "./metric-format.js";

export interface MetricSpread {
  mean: number;
  /** Sample standard deviation over the runs (0 for one run). */
  sd: number;
  min: number;
  max: number;
  /** Runs the figures are over. */
  n: number;
}

export interface TestSpread {
  /** How many times the test ran, passed or not. */
  runs: number;
  /** Runs that passed, the ones the figures are over. */
  passed_runs: number;
  metrics: Record<string, MetricSpread>;
  /** Non-numeric `extraKeys` (a scoring method, say) with the same value in every passed run. */
  same: Record<string, string | boolean>;
}

export function spreadOf(values: readonly number[]): MetricSpread {
  const average = mean(values);
  let squares = 0;
  for (const value of values) squares += (value - average) ** 2;
  return {
    mean: average,
    sd: values.length > 1 ? Math.sqrt(squares / (values.length - 1)) : 0,
    min: Math.min(...values),
    max: Math.max(...values),
    n: values.length,
  };
}

/**
 * The spread of every top-level numeric metric, plus the `extraKeys` (dotted keys such as
 * `ttft_ms.p50` reach into nested metrics), over the passed runs of one test.
 */
export function testSpread(results: readonly TestResult[], extraKeys: readonly string[] = []): TestSpread {
  const passed = results.filter((result) => result.passed && !result.partial);
  const keys = new Set<string>();
  for (const result of passed) {
    for (const [key, value] of Object.entries(result.metrics)) if (isNumber(value)) keys.add(key);
  }
  for (const key of extraKeys) keys.add(key);
  const metrics: Record<string, MetricSpread> = {};
  for (const key of keys) {
    const values = passed.map((result) => metricValue(result.metrics, key)).filter(isNumber);
    // A metric some runs lack (null, or absent) would average different things: leave it out.
    if (values.length === passed.length && values.length > 0) metrics[key] = spreadOf(values);
  }
  const same: Record<string, string | boolean> = {};
  for (const key of extraKeys) {
    const values = new Set(passed.map((result) => metricValue(result.metrics, key)));
    const [only] = values;
    if (values.size === 1 && (typeof only === "string" || typeof only === "boolean")) same[key] = only;
  }
  return { runs: results.length, passed_runs: passed.length, metrics, same };
}

/** Spread per test name, for the tests that ran more than once. */
export function runSpreads(
  results: readonly TestResult[],
  headlines: (testName: string) => readonly string[] | undefined = () => undefined,
): Record<string, TestSpread> {
  const spreads: Record<string, TestSpread> = {};
  for (const group of groupByTest(results)) {
    const name = group[0]?.test_name;
    if (name === undefined || group.length < 2) continue;
    spreads[name] = testSpread(group, headlines(name) ?? []);
  }
  return spreads;
}

/** A summary cell: `12.34 ± 0.56`, the value every run shares, or `—`. */
export function formatSpread(spread: TestSpread, key: string): string {
  const metric = spread.metrics[key];
  if (metric !== undefined) return `${formatNumber(metric.mean)} ± ${formatNumber(metric.sd)}`;
  const same = spread.same[key];
  return same === undefined ? "—" : String(same);
}

function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  return value.toFixed(magnitude >= 100 ? 1 : magnitude >= 1 ? 2 : 4);
}

function isNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}
