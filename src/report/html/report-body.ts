/**
 * The body of a run's report — title line, run description, bottleneck note, what was run, key
 * metrics under readable labels (the key kept beside each) and one section per chart — and the
 * chart data it draws from. `kitt report --format html` wraps it in a
 * self-contained file; `kitt web`'s run page wraps it in the dashboard's layout with the same
 * chart script served as a file. One renderer, two containers.
 */
import { isObject, type JsonValue } from "../../json.js";
import { parseReport, type ParsedReport, type ReportDocuments } from "../formats/report-documents.js";
import { formatMetric, metricValue, registryHeadlines } from "../../results/metric-format.js";
import { metricLabel } from "../../results/metric-labels.js";
import { NOT_RECORDED, runSettings } from "../formats/run-settings.js";
import { formatSpread, runSpreads } from "../../results/run-spread.js";
import type { ReportChart } from "./chart-spec.js";
import { reportCharts } from "./report-charts.js";

/** The report's styles; the file inlines them, the web page links them. */
export const REPORT_CSS = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1040px; padding: 0 16px; color: #222; background: #fff; }
h1 { font-size: 22px; margin-bottom: 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; }
table { border-collapse: collapse; margin: 8px 0; }
td, th { border: 1px solid #ddd; padding: 3px 10px; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.key, td.unit { color: #888; font-size: 12px; }
td.key code { font-size: 12px; }
td.not-recorded { color: #999; font-style: italic; }
table.settings th { font-weight: 600; background: #f7f7f7; white-space: nowrap; }
.meta { color: #555; }
.note { color: #666; font-size: 12px; margin: 4px 0 0; }
.missing { color: #8a6d3b; background: #fcf8e3; border: 1px solid #faebcc; padding: 10px 14px; }
.bottleneck { color: #8a3b12; background: #fdf0e6; border: 1px solid #f0c8a8; padding: 10px 14px; }
`;

/** The element id of the JSON the chart script reads. */
export const REPORT_DATA_ID = "kitt-report-data";

export interface ReportBody {
  title: string;
  /** HTML without scripts: headings, tables and an empty element per chart. */
  html: string;
  /** `<script type="application/json">` holding the charts' data (not executed, so a strict CSP allows it). */
  dataScript: string;
}

export function renderReportBody(input: ReportDocuments): ReportBody {
  const report = parseReport(input);
  const charts = reportCharts(report);
  const title = `kitt report: ${report.label}`;
  const html = [
    `<h1>${escapeHtml(title)}</h1>`,
    `<p class="meta">${escapeHtml(describeRun(report))}</p>`,
    bottleneckNote(report),
    settingsTable(report),
    keyMetricsTable(report),
    ...charts.map(chartSection),
  ].join("\n");
  const dataScript = `<script type="application/json" id="${REPORT_DATA_ID}">${JSON.stringify({ charts }).replace(/</g, "\\u003c")}</script>`;
  return { title, html, dataScript };
}

function describeRun(report: ParsedReport): string {
  const engine = isObject(report.config?.engine) ? report.config.engine.name : (report.metrics?.engine ?? report.serve?.backend);
  const model = isObject(report.config?.model) ? report.config.model.name : (report.metrics?.model ?? report.serve?.model_id);
  const when = report.metrics?.timestamp ?? report.serve?.date;
  const gpu = isObject(report.hardware?.gpu) ? report.hardware.gpu.model : undefined;
  const cpu = isObject(report.hardware?.cpu) ? report.hardware.cpu.model : undefined;
  const kind = report.metrics ? `suite ${report.metrics.suite_name} (${report.metrics.status})` : "serving benchmark";
  return [kind, `model ${text(model)}`, `engine ${text(engine)}`, `started ${text(when)}`, `hardware ${text(gpu ?? cpu)}`].join(" · ");
}

function keyMetricsTable(report: ParsedReport): string {
  const headlines = registryHeadlines();
  const rows: Array<[string, string, unknown]> = [];
  for (const result of report.metrics?.results ?? []) {
    const label = result.run_number > 1 ? `${result.test_name} #${result.run_number}` : result.test_name;
    for (const key of headlines(result.test_name) ?? []) rows.push([label, key, metricValue(result.metrics, key)]);
  }
  for (const [test, spread] of Object.entries(runSpreads(report.metrics?.results ?? [], headlines))) {
    const label = `${test} mean ± sd (${spread.passed_runs} passed)`;
    for (const key of headlines(test) ?? []) rows.push([label, key, formatSpread(spread, key)]);
  }
  if (report.serve) {
    const keys = [
      ...(headlines("serve") ?? []),
      "failed",
      "median_e2el_ms",
      "p99_ttft_ms",
      "total_token_throughput",
      "achieved_request_rate",
      "connection_wait_p99_ms",
      "connection_failures",
    ];
    for (const key of keys) if (key in report.serve) rows.push(["serve", key, report.serve[key]]);
  }
  if (rows.length === 0) return "";
  const body = rows.map(([test, key, value]) => {
    const { label, unit } = metricLabel(key);
    const cells = [
      `<td>${escapeHtml(test)}</td>`,
      `<td title="${escapeHtml(key)}">${escapeHtml(label)}</td>`,
      `<td class="num">${escapeHtml(formatMetric(value))}</td>`,
      `<td class="unit">${escapeHtml(unit)}</td>`,
      `<td class="key"><code>${escapeHtml(key)}</code></td>`,
    ];
    return `<tr data-metric="${escapeHtml(key)}">${cells.join("")}</tr>`;
  });
  return [
    '<h2>Key metrics</h2>',
    '<table class="metrics">',
    "<tr><th>test</th><th>metric</th><th>value</th><th>unit</th><th>key</th></tr>",
    ...body,
    "</table>",
  ].join("\n");
}

/** What was run: engine, image, arguments, model, load, data set, kitt version. */
function settingsTable(report: ParsedReport): string {
  const rows = runSettings(report).map(({ label, value, source }) => {
    const missing = value === NOT_RECORDED ? ' class="not-recorded"' : "";
    return `<tr><th scope="row">${escapeHtml(label)}</th><td${missing} title="${escapeHtml(source)}">${escapeHtml(value)}</td></tr>`;
  });
  return ["<h2>What was run</h2>", '<table class="settings">', ...rows, "</table>"].join("\n");
}

/** A serving run (or sweep step) the client or its connections limited, with the reasons. */
function bottleneckNote(report: ParsedReport): string {
  const serve = report.serve;
  if (!serve) return "";
  const steps = Array.isArray(serve.runs) ? serve.runs.filter(isObject) : [serve];
  const limited = steps.flatMap((step, index) => {
    if (step.client_bottleneck !== true) return [];
    const reasons = Array.isArray(step.client_bottleneck_reasons) ? step.client_bottleneck_reasons.map(String) : [];
    const label = steps.length > 1 ? `step ${index + 1} (${text(step.kind)}): ` : "";
    return reasons.map((reason) => `<li>${escapeHtml(label + reason)}</li>`);
  });
  if (limited.length === 0) return "";
  return [
    '<div class="bottleneck" data-client-bottleneck="true">',
    "<strong>The client or its connections limited this run, not only the engine.</strong> TTFT and E2EL count from the hand-over to a connection, so they include any wait for one.",
    `<ul>${limited.join("")}</ul>`,
    "</div>",
  ].join("\n");
}

function chartSection(chart: ReportChart): string {
  const heading = `<h2>${escapeHtml(chart.title)}</h2>`;
  if (!chart.available) {
    return `<section class="chart" data-chart="${chart.id}" data-available="false">${heading}<p class="missing">${escapeHtml(chart.reason)}</p></section>`;
  }
  const colors = chart.series.map((s) => s.color).join(" ");
  const note = chart.note ? `<p class="note">${escapeHtml(chart.note)}</p>` : "";
  return `<section class="chart" data-chart="${chart.id}" data-available="true" data-colors="${colors}">${heading}<div id="chart-${chart.id}"></div>${note}</section>`;
}

function text(value: JsonValue | undefined): string {
  return typeof value === "string" || typeof value === "number" ? String(value) : "unknown";
}

export function escapeHtml(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

