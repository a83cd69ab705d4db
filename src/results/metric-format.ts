/** Which metrics a summary shows per test, and how a value is printed. Shared by Markdown and terminal output. */
import { BUILTIN_BENCHMARKS, type BenchmarkRegistry } from "../bench/registry.js";
import type { TestResult } from "../bench/suite-results.js";

/** Metric keys to show for a test name, most important first. */
export type HeadlineLookup = (testName: string) => readonly string[] | undefined;

export function registryHeadlines(registry: BenchmarkRegistry = BUILTIN_BENCHMARKS): HeadlineLookup {
  return (testName) => registry.get(testName)?.headlineMetrics;
}

const FALLBACK_COLUMNS = 4;

/** Columns for one test's results: its headline metrics, or its first few numeric metrics when it has none. */
export function headlineColumns(results: readonly TestResult[], lookup: HeadlineLookup): string[] {
  const first = results[0];
  if (first === undefined) return [];
  const headlines = lookup(first.test_name);
  if (headlines !== undefined) return [...headlines];
  const numeric = new Set<string>();
  for (const result of results) {
    for (const [key, value] of Object.entries(result.metrics)) if (typeof value === "number") numeric.add(key);
  }
  return [...numeric].slice(0, FALLBACK_COLUMNS);
}

/** A metric by key; a dotted key (`ttft_ms.p50`) reaches into nested metrics. */
export function metricValue(metrics: Record<string, unknown>, key: string): unknown {
  if (key in metrics) return metrics[key];
  let value: unknown = metrics;
  for (const part of key.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

export function formatMetric(value: unknown): string {
  if (value === undefined || value === null) return "—";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toFixed(2);
  if (typeof value === "string" || typeof value === "boolean") return String(value);
  return "…";
}

export function resultLabel(result: TestResult): string {
  if (result.passed) return "passed";
  return result.partial ? "failed (partial)" : "failed";
}

/** Results grouped by test name, in the order the tests first ran. */
export function groupByTest(results: readonly TestResult[]): TestResult[][] {
  const groups = new Map<string, TestResult[]>();
  for (const result of results) {
    const group = groups.get(result.test_name) ?? [];
    group.push(result);
    groups.set(result.test_name, group);
  }
  return [...groups.values()];
}

const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** A size in binary units, one decimal: `17.0 MiB`; whole bytes below 1 KiB. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${BYTE_UNITS[unit]}`;
}
