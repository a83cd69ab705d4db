/**
 * Metric keys as people read them: a label and a unit for each key kitt writes, so reports can
 * show "p99 time to first token (ms)" and still name `p99_ttft_ms`. Keys not listed get their
 * underscores turned into spaces and a unit from their suffix (`_ms`, `_gb`, `_percent`…).
 */

export interface MetricLabel {
  label: string;
  /** Empty for counts, ratios and text. */
  unit: string;
}

const EXACT: Record<string, MetricLabel> = {
  // Serving (vLLM's result-file keys plus kitt's).
  completed: { label: "requests completed", unit: "" },
  failed: { label: "requests failed", unit: "" },
  num_prompts: { label: "prompts", unit: "" },
  duration: { label: "measured duration", unit: "s" },
  total_input_tokens: { label: "input tokens", unit: "tokens" },
  total_output_tokens: { label: "output tokens", unit: "tokens" },
  request_throughput: { label: "request throughput", unit: "req/s" },
  request_goodput: { label: "request goodput (within SLO)", unit: "req/s" },
  output_throughput: { label: "output throughput", unit: "tok/s" },
  total_token_throughput: { label: "total token throughput", unit: "tok/s" },
  max_output_tokens_per_s: { label: "peak output tokens in one second", unit: "tok/s" },
  max_concurrent_requests: { label: "peak requests in flight (1 s buckets)", unit: "" },
  achieved_request_rate: { label: "achieved request rate", unit: "req/s" },
  target_request_rate: { label: "target request rate", unit: "req/s" },
  littles_law_concurrency: { label: "mean requests in flight (Little's law)", unit: "" },
  peak_concurrent_requests: { label: "peak requests in flight", unit: "" },
  connection_failures: { label: "connection failures", unit: "" },
  osl_mismatch_count: { label: "outputs not of the requested length", unit: "" },
  // Suite tests.
  avg_tps: { label: "mean output tokens per second", unit: "tok/s" },
  requests: { label: "requests", unit: "" },
  optimal_concurrency: { label: "best concurrency", unit: "" },
  knee_concurrency: { label: "knee concurrency", unit: "" },
  max_output_throughput: { label: "peak output throughput", unit: "tok/s" },
  context_length: { label: "context length", unit: "tokens" },
  longest_input_len: { label: "longest input", unit: "tokens" },
  ttft_at_longest_ms: { label: "time to first token at the longest input", unit: "ms" },
  first_iteration_latency_ms: { label: "first iteration latency", unit: "ms" },
  subsequent_avg_latency_ms: { label: "mean latency after the first", unit: "ms" },
  latency_reduction_percent: { label: "latency reduction after warm-up", unit: "%" },
  stabilization_iteration: { label: "iteration where latency settles", unit: "" },
  overall_peak_gpu_memory_gb: { label: "peak GPU memory", unit: "GB" },
  overall_avg_gpu_memory_gb: { label: "mean GPU memory", unit: "GB" },
  memory_range_gb: { label: "GPU memory range across prompts", unit: "GB" },
  gpu_memory_available: { label: "GPU memory measured", unit: "" },
  // Quality tasks.
  method: { label: "scoring method", unit: "" },
  score: { label: "score", unit: "" },
  score_stderr: { label: "score standard error", unit: "" },
  n: { label: "items scored", unit: "" },
  acc: { label: "accuracy", unit: "" },
  acc_norm: { label: "accuracy (length-normalised)", unit: "" },
  lettered_acc: { label: "accuracy (lettered answers)", unit: "" },
  exact_match: { label: "exact match", unit: "" },
  exact_match_strict: { label: "exact match (strict)", unit: "" },
  exact_match_flexible: { label: "exact match (flexible)", unit: "" },
  truncated_prompts: { label: "truncated prompts", unit: "" },
  mc1: { label: "accuracy, one true answer (MC1)", unit: "" },
  mc2: { label: "probability on the true answers (MC2)", unit: "" },
  bleu_acc: { label: "BLEU: closer to a true than a false answer", unit: "" },
  bleu_max: { label: "BLEU against the closest true answer", unit: "" },
  rouge1_acc: { label: "ROUGE-1: closer to a true than a false answer", unit: "" },
  rougeL_acc: { label: "ROUGE-L: closer to a true than a false answer", unit: "" },
  // Engine side (`engine_side` of serve.json, unified names).
  generation_tokens: { label: "engine: output tokens", unit: "tokens" },
  prompt_tokens: { label: "engine: prompt tokens", unit: "tokens" },
  "kitt:num_requests_running": { label: "requests running", unit: "" },
  "kitt:num_requests_waiting": { label: "requests waiting", unit: "" },
  "kitt:kv_cache_usage_perc": { label: "KV-cache use", unit: "fraction" },
  // Engine process samples.
  rss_mb: { label: "resident memory", unit: "MB" },
  cpu_percent: { label: "CPU use (100 = one core)", unit: "%" },
};

/** The latencies kitt reports statistics of, by the middle of their key. */
const LATENCIES: Record<string, string> = {
  ttft: "time to first token",
  ttft_content: "time to first content token",
  tpot: "time per output token",
  itl: "inter-token latency",
  e2el: "end-to-end latency",
  queue_time: "engine queue time",
  latency: "latency",
  total_latency: "total latency",
  per_token: "time per token",
  send_lag: "send lag behind schedule",
  connection_wait: "wait for a connection",
};

const STATISTICS: Record<string, string> = { mean: "mean", median: "median", std: "std dev of", min: "min", max: "max", avg: "mean", p50: "median" };

/** `median_ttft_ms`, `p99_itl_ms`, `send_lag_p99_ms`, `ttft_ms.p50`: a statistic of a latency. */
function latencyLabel(key: string): MetricLabel | undefined {
  const statistic = (name: string) => STATISTICS[name] ?? (/^p\d+(\.\d+)?$/.test(name) ? name : undefined);
  const prefixed = /^([a-z0-9.]+?)_([a-z0-9_]+)_ms$/.exec(key);
  const suffixed = /^([a-z_]+?)_([a-z0-9]+)_ms$/.exec(key);
  const dotted = /^([a-z_]+)_ms\.([a-z0-9]+)$/.exec(key);
  for (const [stat, latency] of [
    [prefixed?.[1], prefixed?.[2]],
    [suffixed?.[2], suffixed?.[1]],
    [dotted?.[2], dotted?.[1]],
  ]) {
    const name = stat === undefined ? undefined : statistic(stat);
    const what = latency === undefined ? undefined : LATENCIES[latency];
    if (name !== undefined && what !== undefined) return { label: `${name} ${what}`, unit: "ms" };
  }
  return undefined;
}

const SUFFIX_UNITS: Array<[RegExp, string]> = [
  [/_ms$/, "ms"],
  [/_gb$/, "GB"],
  [/_mb$/, "MB"],
  [/_s$/, "s"],
  [/_(percent|perc)$/, "%"],
  [/_(tps|tokens_per_s)$/, "tok/s"],
];

/** The label kitt gives a key it knows, or undefined for a key it would only spell out. */
export function knownMetricLabel(key: string): MetricLabel | undefined {
  return EXACT[key] ?? latencyLabel(key);
}

export function metricLabel(key: string): MetricLabel {
  const known = knownMetricLabel(key);
  if (known) return known;
  const last = key.split(".").at(-1) ?? key;
  const suffix = SUFFIX_UNITS.find(([pattern]) => pattern.test(last));
  const stem = suffix ? last.replace(suffix[0], "") : last;
  return { label: stem.replace(/^kitt:/, "").replace(/_/g, " "), unit: suffix?.[1] ?? "" };
}

/** "p99 time to first token (ms)". */
export function labelWithUnit(key: string): string {
  const { label, unit } = metricLabel(key);
  return unit === "" ? label : `${label} (${unit})`;
}
