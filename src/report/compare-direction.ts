/**
 * Which way is better for a metric, judged from its name alone: lower for latencies, times and
 * memory, higher for throughputs, completions and accuracy. Names without a known direction
 * (counts, concurrency levels, configuration echoes) get none and are never flagged.
 */
export type MetricDirection = "lower" | "higher";

const HIGHER_IS_BETTER = [/throughput/, /(^|[._])tps($|[._])/, /_per_s/, /per_second/, /goodput/, /(^|[._])completed($|[._])/, /accuracy/, /score/, /pass_rate/];
const LOWER_IS_BETTER = [/_ms($|[._])/, /latency/, /ttft/, /tpot/, /(^|[._])itl/, /e2el/, /memory/, /_gb($|[._])/, /(^|[._])failed/, /error/];

/** `metric` is the metric's own name (`median_ttft_ms`, `ttft_ms.p99`), without the test prefix. */
export function metricDirection(metric: string): MetricDirection | undefined {
  const name = metric.toLowerCase();
  // Throughput words win: `max_output_tokens_per_s` is a rate even though it has no `_ms`.
  if (HIGHER_IS_BETTER.some((pattern) => pattern.test(name))) return "higher";
  if (LOWER_IS_BETTER.some((pattern) => pattern.test(name))) return "lower";
  return undefined;
}
