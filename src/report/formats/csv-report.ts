/** `kitt report --format csv`: one row per metric — test, run_number, metric, value. */
import { metricRows } from "./metric-rows.js";
import type { ParsedReport } from "./report-documents.js";

export const CSV_HEADER = ["test", "run_number", "metric", "value"] as const;

export function renderCsvReport(report: ParsedReport): string {
  const lines = [CSV_HEADER.join(",")];
  for (const row of metricRows(report)) lines.push([csvField(row.test), row.run_number, csvField(row.metric), row.value].join(","));
  return `${lines.join("\n")}\n`;
}

/** RFC 4180: quote a field holding a comma, quote or line break, doubling its quotes. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
