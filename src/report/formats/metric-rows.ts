/** A parsed report's numeric metrics as flat rows, the way the store keys them (`ttft_ms.p99`). */
import { isObject, type JsonValue } from "../../json.js";
import { flattenMetrics, splitSamples } from "../../store/metric-names.js";
import type { ParsedReport } from "./report-documents.js";

export interface MetricRow {
  test: string;
  run_number: number;
  metric: string;
  value: number;
}

export function metricRows(report: ParsedReport): MetricRow[] {
  const rows: MetricRow[] = [];
  const add = (test: string, runNumber: number, metrics: Record<string, JsonValue>) => {
    for (const [metric, value] of flattenMetrics(splitSamples(metrics).rest)) rows.push({ test, run_number: runNumber, metric, value });
  };
  for (const result of report.metrics?.results ?? []) add(result.test_name, result.run_number, result.metrics);
  if (report.serve) {
    // A sweep's serve.json lists each step under `runs`: one run number per step.
    const steps = Array.isArray(report.serve.runs) ? report.serve.runs.filter(isObject) : [report.serve];
    steps.forEach((step, index) => add("serve", index + 1, step));
  }
  return rows;
}
