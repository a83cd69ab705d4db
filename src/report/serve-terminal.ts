/**
 * The serving result for a person: vLLM's familiar "Serving Benchmark Result" block (same
 * labels, so numbers can be compared line by line), then kitt's extras: how faithfully the
 * client delivered the load, output-length and usage checks, and engine-side metrics. A run the
 * client or its connections limited says so first, with why.
 */
import pc from "picocolors";
import type { JsonValue } from "../json.js";

type Result = Record<string, JsonValue>;

const num = (value: JsonValue | undefined, digits = 2): string =>
  typeof value === "number" ? value.toFixed(digits) : value === undefined || value === null ? "—" : String(value);

function line(label: string, value: string): string {
  return `${label.padEnd(40)} ${value}`;
}

function heading(title: string): string {
  const pad = Math.max(0, 50 - title.length - 2);
  return `${"-".repeat(Math.floor(pad / 2))} ${title} ${"-".repeat(Math.ceil(pad / 2))}`;
}

const LATENCY_SECTIONS: Array<[string, string, string]> = [
  ["ttft", "Time to First Token", "TTFT"],
  ["tpot", "Time per Output Token (excl. 1st token)", "TPOT"],
  ["itl", "Inter-token Latency", "ITL"],
  ["e2el", "End-to-end Latency", "E2EL"],
  ["ttft_content", "Time to First Content (kitt)", "TTFC"],
];

/** Why the client or its connections limited the run, or nothing when they did not. */
export function bottleneckWarning(result: Result): string[] {
  if (result.client_bottleneck !== true) return [];
  const reasons = Array.isArray(result.client_bottleneck_reasons) ? result.client_bottleneck_reasons.map(String) : [];
  return [
    pc.yellow(pc.bold("! The client or its connections limited this run, not only the engine:")),
    ...reasons.map((reason) => pc.yellow(`  - ${reason}`)),
    pc.yellow("  TTFT and E2EL count from the hand-over to a connection, so they include any wait for one."),
  ];
}

export function renderServeResult(result: Result): string {
  const out: string[] = [pc.bold(heading("Serving Benchmark Result").replace(/-/g, "="))];
  out.push(...bottleneckWarning(result));
  out.push(line("Successful requests:", num(result.completed, 0)));
  out.push(line("Failed requests:", num(result.failed, 0)));
  if (result.max_concurrency !== null) out.push(line("Maximum request concurrency:", num(result.max_concurrency, 0)));
  out.push(line("Benchmark duration (s):", num(result.duration)));
  out.push(line("Total input tokens:", num(result.total_input_tokens, 0)));
  out.push(line("Total generated tokens:", num(result.total_output_tokens, 0)));
  out.push(line("Request throughput (req/s):", num(result.request_throughput)));
  if (result.request_goodput !== null) out.push(line("Request goodput (req/s):", num(result.request_goodput)));
  out.push(line("Output token throughput (tok/s):", num(result.output_throughput)));
  out.push(line("Peak output token throughput (tok/s):", num(result.max_output_tokens_per_s)));
  // vLLM's count: requests touching each 1-second bucket, which over-counts short requests.
  out.push(line("Max concurrent requests (1 s buckets):", num(result.max_concurrent_requests, 0)));
  out.push(line("Peak concurrent requests (exact):", num(result.peak_concurrent_requests, 0)));
  out.push(line("Total Token throughput (tok/s):", num(result.total_token_throughput)));
  for (const [key, title, short] of LATENCY_SECTIONS) {
    if (!(`mean_${key}_ms` in result)) continue;
    out.push(heading(title));
    out.push(line(`Mean ${short} (ms):`, num(result[`mean_${key}_ms`])));
    out.push(line(`Median ${short} (ms):`, num(result[`median_${key}_ms`])));
    const percentile = new RegExp(`^p([\\d.]+)_${key}_ms$`);
    for (const name of Object.keys(result)) {
      const match = percentile.exec(name);
      if (match) out.push(line(`P${match[1]} ${short} (ms):`, num(result[name])));
    }
  }
  out.push(heading("Client (kitt)"));
  out.push(line("Target / achieved rate (req/s):", `${num(result.target_request_rate)} / ${num(result.achieved_request_rate)}`));
  if (result.dispatched_request_rate !== undefined) out.push(line("Dispatched to connections (req/s):", num(result.dispatched_request_rate)));
  out.push(line("Send lag p50 / p99 (ms):", `${num(result.send_lag_p50_ms, 3)} / ${num(result.send_lag_p99_ms, 3)}`));
  if (result.connection_wait_p50_ms !== undefined) {
    out.push(line("Connection wait p50 / p99 (ms):", `${num(result.connection_wait_p50_ms, 3)} / ${num(result.connection_wait_p99_ms, 3)}`));
    out.push(line("Requests that never reached the server:", num(result.connection_failures, 0)));
  }
  const client = (result.client ?? {}) as Record<string, JsonValue>;
  if (client.event_loop_delay_p99_ms !== undefined) out.push(line("Event-loop delay p99 (ms):", num(client.event_loop_delay_p99_ms)));
  if (client.cpu_percent !== undefined) out.push(line("Client CPU (%):", num(client.cpu_percent, 1)));
  out.push(line("Little's-law concurrency:", num(result.littles_law_concurrency)));
  out.push(line("Output length mismatches:", num(result.osl_mismatch_count, 0)));
  const usage = (result.usage_discrepancy ?? {}) as Record<string, JsonValue>;
  out.push(line("Server/client token count differences:", `${num(usage.requests, 0)} requests, ${num(usage.total_abs_diff, 0)} tokens`));
  const errors = (result.errors_by_kind ?? {}) as Record<string, JsonValue>;
  if (Object.keys(errors).length > 0) {
    out.push(line("Errors by kind:", Object.entries(errors).map(([k, v]) => `${k} ${String(v)}`).join(", ")));
  }
  const engine = ((result.engine_metrics ?? {}) as Record<string, JsonValue>).engine_side as Record<string, JsonValue> | undefined;
  if (engine && Object.keys(engine).length > 0) {
    out.push(heading("Engine side (/metrics)"));
    for (const [key, value] of Object.entries(engine)) out.push(line(`${key}:`, num(value)));
  }
  out.push(pc.bold("=".repeat(50)));
  return out.join("\n");
}
