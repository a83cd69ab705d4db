/**
 * `kitt report --format md`: a suite run's `summary.md` (the same renderer), or a serving
 * run's summary — a warning when the client or its connections limited the run, load and
 * throughput, then each latency's mean, median and percentiles, and one line per step for sweeps.
 * Both end with what was run (`run-settings.ts`, as the HTML report shows it).
 */
import { isObject, type JsonValue } from "../../json.js";
import { formatMetric } from "../../results/metric-format.js";
import { renderSummaryMarkdown } from "../../results/summary-md.js";
import type { ParsedReport } from "./report-documents.js";
import { runSettings } from "./run-settings.js";

const LATENCIES: ReadonlyArray<[key: string, title: string]> = [
  ["ttft", "TTFT"],
  ["tpot", "TPOT"],
  ["itl", "ITL"],
  ["e2el", "E2EL"],
  ["ttft_content", "TTFT to content"],
];

const OVERVIEW: ReadonlyArray<[key: string, label: string]> = [
  ["completed", "Successful requests"],
  ["failed", "Failed requests"],
  ["max_concurrency", "Maximum request concurrency"],
  ["request_rate", "Request rate (req/s)"],
  ["duration", "Duration (s)"],
  ["total_input_tokens", "Total input tokens"],
  ["total_output_tokens", "Total output tokens"],
  ["request_throughput", "Request throughput (req/s)"],
  ["request_goodput", "Request goodput (req/s)"],
  ["output_throughput", "Output token throughput (tok/s)"],
  ["total_token_throughput", "Total token throughput (tok/s)"],
  ["max_output_tokens_per_s", "Peak output throughput (tok/s)"],
  ["peak_concurrent_requests", "Peak concurrent requests"],
  ["target_request_rate", "Target request rate (req/s)"],
  ["achieved_request_rate", "Achieved request rate: reached the server (req/s)"],
  ["dispatched_request_rate", "Dispatched to connections (req/s)"],
  ["send_lag_p99_ms", "Send lag p99 (ms)"],
  ["connection_wait_p99_ms", "Connection wait p99 (ms)"],
  ["connection_failures", "Requests that never reached the server"],
];

export function renderMarkdownReport(report: ParsedReport): string {
  const body = report.metrics ? renderSummaryMarkdown(report.metrics) : renderServeMarkdown(report.label, report.serve ?? {}, report.config);
  return `${body.replace(/\n+$/, "")}\n\n${settingsMarkdown(report)}`;
}

/** The same "What was run" table as the HTML report. */
function settingsMarkdown(report: ParsedReport): string {
  const rows = runSettings(report).map(({ label, value }) => `| ${label} | ${value.replace(/\|/g, "\\|").replace(/\n/g, " ")} |`);
  return ["## What was run", "", "| Setting | Value |", "|---|---|", ...rows, ""].join("\n");
}

function renderServeMarkdown(label: string, serve: Record<string, JsonValue>, config: Record<string, JsonValue> | undefined): string {
  const engine = isObject(config?.engine) ? config.engine.name : serve.backend;
  const model = isObject(config?.model) ? config.model.name : serve.model_id;
  const lines = [`# kitt serving benchmark: ${label}`, "", "| | |", "|---|---|"];
  lines.push(`| Model | ${cell(model)} |`, `| Engine | ${cell(engine)} |`, `| Date | ${cell(serve.date)} |`, "");
  lines.push(...bottleneckNote(serve));
  lines.push("## Load and throughput", "", "| Metric | Value |", "|---|---|");
  for (const [key, name] of OVERVIEW) if (key in serve) lines.push(`| ${name} | ${cell(serve[key])} |`);
  lines.push("", "## Latency (ms)", "");
  const percentiles = percentileLabels(serve);
  lines.push(`| | Mean | Median | ${percentiles.map((p) => `P${p}`).join(" | ")} |`, `|---|---|---|${"---|".repeat(percentiles.length)}`);
  for (const [key, title] of LATENCIES) {
    if (!(`mean_${key}_ms` in serve)) continue;
    const cells = [serve[`mean_${key}_ms`], serve[`median_${key}_ms`], ...percentiles.map((p) => serve[`p${p}_${key}_ms`])];
    lines.push(`| ${title} | ${cells.map(cell).join(" | ")} |`);
  }
  if (Array.isArray(serve.runs)) {
    lines.push(
      "",
      `## ${String(serve.mode ?? "sweep")} steps`,
      "",
      "| Step | Kind | Rate (req/s) | Completed | Output tok/s | Median TTFT (ms) | Median TPOT (ms) | Client-limited |",
      "|---|---|---|---|---|---|---|---|",
    );
    serve.runs.filter(isObject).forEach((step, index) => {
      const limited = step.client_bottleneck === undefined ? null : step.client_bottleneck ? "yes" : "no";
      const cells = [step.kind, step.rate, step.completed, step.output_throughput, step.median_ttft_ms, step.median_tpot_ms, limited];
      lines.push(`| ${index + 1} | ${cells.map(cell).join(" | ")} |`);
    });
  }
  lines.push("");
  return lines.join("\n");
}

/** A quoted warning, with the reasons, when the client or its connections limited the run. */
function bottleneckNote(serve: Record<string, JsonValue>): string[] {
  if (serve.client_bottleneck !== true) return [];
  const reasons = Array.isArray(serve.client_bottleneck_reasons) ? serve.client_bottleneck_reasons.map(String) : [];
  return [
    "> **The client or its connections limited this run, not only the engine.** TTFT and E2EL count from the hand-over to a connection, so they include any wait for one.",
    ...reasons.map((reason) => `> - ${reason}`),
    "",
  ];
}

/** vLLM labels percentiles by their number: `p99_ttft_ms`, `p99.9_ttft_ms`. */
function percentileLabels(serve: Record<string, JsonValue>): string[] {
  const labels = Object.keys(serve).flatMap((key) => /^p([\d.]+)_ttft_ms$/.exec(key)?.[1] ?? []);
  return labels.sort((a, b) => Number(a) - Number(b));
}

function cell(value: JsonValue | undefined): string {
  return formatMetric(value).replace(/\|/g, "\\|");
}
