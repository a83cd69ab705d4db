/**
 * The serving benchmark's results, under vLLM `bench serve`'s JSON keys and definitions so
 * numbers compare one to one, with kitt's extra keys beside them.
 *
 * vLLM's keys: `duration` (s), `completed`, `failed`, `total_input_tokens` (data-set prompt
 * lengths), `total_output_tokens`, `request_throughput`, `request_goodput` (null without an
 * SLO), `output_throughput`, `total_token_throughput`, `max_output_tokens_per_s`,
 * `max_concurrent_requests`, and mean/median/std/pNN in ms of ttft, tpot, itl and e2el
 * (definitions in `samples.ts`, buckets in `timeline.ts`). Output tokens are the
 * server's usage count, falling back to the client's count (`output_tokens_source` says which).
 * Failed requests count in `duration` only: never in a numerator or a latency statistic.
 * An empty sample gives null statistics where vLLM prints 0, and a zero duration null rates.
 *
 * Other tools name the same quantities differently: vLLM's TPOT, (E2EL − TTFT)/(n − 1), is
 * GuideLLM's and GenAI-Perf/AIPerf's ITL; vLLM's per-chunk ITL is AIPerf's ICL.
 */
import { KittError } from "../../errors.js";
import type { JsonValue } from "../../json.js";
import { percentileOfSorted } from "../../stats.js";
import type { AccumulatedRun, ServeAccumulator } from "./accumulator.js";
import { clientBottleneckReasons } from "./client-bottleneck.js";
import { countGoodRequests, type GoodputSlo, hasSlo } from "./goodput.js";
import { latencySamples } from "./samples.js";
import { type LatencyKeys, latencyKeys, sortedSamples, summarizeSamples } from "./summary.js";
import { peakConcurrentRequests, perSecondPeaks } from "./timeline.js";

export type { GoodputSlo } from "./goodput.js";

/**
 * The pNN keys reported unless a run asks for others, beside mean, median and std (so no p50,
 * which would repeat the median). vLLM's own default is p99 alone.
 */
export const DEFAULT_PERCENTILES: readonly number[] = [90, 95, 99];

export interface ServeMetricsOptions {
  /** Seconds from just before dispatch began (after warmup) to the end of the last request. */
  durationS: number;
  selectedPercentiles?: readonly number[];
  goodputSlo?: GoodputSlo;
  /** Requests per second the schedule aimed at (Infinity when unpaced); omit for a ramp-up. */
  targetRate?: number;
  /** The concurrency cap; Infinity (default) for none. */
  maxConcurrency?: number;
  /** The client's own health during the run (event-loop delay, CPU), reported as `client`. */
  clientStats?: { [key: string]: JsonValue };
}

export type OutputTokensSource = "server" | "client" | "mixed";

export type VllmServeMetrics = {
  duration: number;
  completed: number;
  failed: number;
  total_input_tokens: number;
  total_output_tokens: number;
  request_throughput: number | null;
  request_goodput: number | null;
  output_throughput: number | null;
  total_token_throughput: number | null;
  max_output_tokens_per_s: number;
  max_concurrent_requests: number;
};

export type KittServeMetrics = {
  /** Where output token counts came from: every completed request's server usage, none, or some. */
  output_tokens_source: OutputTokensSource | null;
  /** "inf" for an unpaced run, as vLLM writes it; null without a target rate. */
  target_request_rate: number | "inf" | null;
  /**
   * Requests that reached the server (written to an open connection that was not cut off before
   * any answer; failed ones included) / seconds from the run's start to the last such write.
   */
  achieved_request_rate: number | null;
  /** Requests handed to a connection (failed ones included) / seconds from the run's start to the last hand-over. */
  dispatched_request_rate: number | null;
  /** Hand-over to a connection minus scheduled send time. */
  send_lag_p50_ms: number | null;
  send_lag_p99_ms: number | null;
  send_lag_max_ms: number | null;
  /** Bytes written minus hand-over: waiting for a free connection and connecting (requests whose bytes went out). */
  connection_wait_p50_ms: number | null;
  connection_wait_p99_ms: number | null;
  connection_wait_max_ms: number | null;
  /** Failed requests that never reached the server: connecting failed or timed out, or the connection was reset first. */
  connection_failures: number;
  /** Whether the client or its connections limited the run (`client-bottleneck.ts`), and why. */
  client_bottleneck: boolean;
  client_bottleneck_reasons: string[];
  /** Mean requests in flight by Little's law: ΣE2EL of completed requests / duration. */
  littles_law_concurrency: number | null;
  /** Exact peak of requests in flight over [send, end) intervals (`timeline.ts`). */
  peak_concurrent_requests: number;
  /** Completed requests whose output tokens differ from the requested `max_tokens`. */
  osl_mismatch_count: number;
  usage_discrepancy: UsageDiscrepancy;
  /** Failed requests by `RequestErrorKind`; kinds that did not occur are left out. */
  errors_by_kind: { [kind: string]: number };
  client: { [key: string]: JsonValue } | null;
};

/** Completed requests whose server and client token counts differ. */
export type UsageDiscrepancy = {
  /** Output: server usage vs the client's count. */
  requests: number;
  total_abs_diff: number;
  /** Prompt: server usage vs the data set's length. */
  prompt_requests: number;
  prompt_total_abs_diff: number;
};

export type ServeMetrics = VllmServeMetrics &
  LatencyKeys<"ttft"> &
  LatencyKeys<"tpot"> &
  LatencyKeys<"itl"> &
  LatencyKeys<"e2el"> &
  LatencyKeys<"ttft_content"> &
  KittServeMetrics;

export function computeServeMetrics(accumulator: ServeAccumulator, options: ServeMetricsOptions): ServeMetrics {
  validateOptions(options);
  const { durationS } = options;
  const percentiles = options.selectedPercentiles ?? DEFAULT_PERCENTILES;
  const run = accumulator.snapshot();
  const perSecond = (count: number): number | null => (durationS > 0 ? count / durationS : null);
  const samples = latencySamples(run);
  const peaks = perSecondPeaks(run);
  const sendLag = sortedSamples(run.sendLagMs);
  const connectionWait = sortedSamples(run.connectionWaitMs);
  const latencies = (values: Float64Array) => summarizeSamples(values, percentiles);
  const ttft = latencies(samples.ttft);
  const achieved = perSecondUntil(run.reachedServer, run.lastReachedMs);
  const bottleneck = clientBottleneckReasons({
    targetRate: options.targetRate !== undefined && Number.isFinite(options.targetRate) ? options.targetRate : null,
    achievedRate: achieved,
    capped: Number.isFinite(options.maxConcurrency ?? Infinity),
    sendLagP99Ms: percentileOrNull(sendLag, 99),
    connectionWaitMeanMs: connectionWait.length > 0 ? sum(run.connectionWaitMs) / connectionWait.length : null,
    connectionWaitP99Ms: percentileOrNull(connectionWait, 99),
    meanTtftMs: ttft?.mean ?? null,
    connectionFailures: run.connectionFailures,
    stoppedWhileConnecting: run.stoppedWhileConnecting,
  });

  return {
    duration: durationS,
    completed: run.completed,
    failed: run.failed,
    total_input_tokens: run.totalInputTokens,
    total_output_tokens: run.totalOutputTokens,
    request_throughput: perSecond(run.completed),
    request_goodput: hasSlo(options.goodputSlo) ? perSecond(countGoodRequests(run, options.goodputSlo)) : null,
    output_throughput: perSecond(run.totalOutputTokens),
    total_token_throughput: perSecond(run.totalInputTokens + run.totalOutputTokens),
    max_output_tokens_per_s: peaks.maxOutputTokensPerS,
    max_concurrent_requests: peaks.maxConcurrentRequests,
    ...latencyKeys("ttft", ttft, percentiles),
    ...latencyKeys("tpot", latencies(samples.tpot), percentiles),
    ...latencyKeys("itl", latencies(samples.itl), percentiles),
    ...latencyKeys("e2el", latencies(samples.e2el), percentiles),
    ...latencyKeys("ttft_content", latencies(samples.ttftContent), percentiles),
    output_tokens_source: outputTokensSource(run),
    target_request_rate: targetRate(options.targetRate),
    achieved_request_rate: achieved,
    dispatched_request_rate: perSecondUntil(run.requests, run.lastSentMs),
    send_lag_p50_ms: percentileOrNull(sendLag, 50),
    send_lag_p99_ms: percentileOrNull(sendLag, 99),
    send_lag_max_ms: percentileOrNull(sendLag, 100),
    connection_wait_p50_ms: percentileOrNull(connectionWait, 50),
    connection_wait_p99_ms: percentileOrNull(connectionWait, 99),
    connection_wait_max_ms: percentileOrNull(connectionWait, 100),
    connection_failures: run.connectionFailures,
    client_bottleneck: bottleneck.length > 0,
    client_bottleneck_reasons: bottleneck,
    littles_law_concurrency: perSecond(sum(run.e2elMs) / 1000),
    peak_concurrent_requests: peakConcurrentRequests(run.sentMs, run.e2elMs),
    osl_mismatch_count: run.outputLengthMismatches,
    usage_discrepancy: {
      requests: run.outputUsageMismatches,
      total_abs_diff: run.outputUsageAbsDiff,
      prompt_requests: run.promptUsageMismatches,
      prompt_total_abs_diff: run.promptUsageAbsDiff,
    },
    errors_by_kind: run.errorsByKind,
    client: options.clientStats ?? null,
  };
}

function targetRate(rate: number | undefined): number | "inf" | null {
  if (rate === undefined) return null;
  return rate === Infinity ? "inf" : rate;
}

/** `count` per second from the run's start to `untilMs`; null when nothing happened after the start. */
function perSecondUntil(count: number, untilMs: number | null): number | null {
  return untilMs !== null && untilMs > 0 ? count / (untilMs / 1000) : null;
}

function percentileOrNull(sorted: number[], p: number): number | null {
  return sorted.length > 0 ? percentileOfSorted(sorted, p) : null;
}

function outputTokensSource(run: AccumulatedRun): OutputTokensSource | null {
  if (run.completed === 0) return null;
  if (run.serverCountedOutputs === run.completed) return "server";
  return run.serverCountedOutputs === 0 ? "client" : "mixed";
}

function sum(values: Float64Array): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

function validateOptions(options: ServeMetricsOptions): void {
  if (!(options.durationS >= 0 && Number.isFinite(options.durationS))) {
    throw new KittError("INTERNAL", `run duration ${options.durationS} s is not a finite number ≥ 0`);
  }
  for (const p of options.selectedPercentiles ?? []) {
    if (!(p >= 0 && p <= 100)) throw new KittError("USAGE", `percentile ${p} is outside 0–100`);
  }
  for (const [name, value] of Object.entries(options.goodputSlo ?? {})) {
    if (value !== undefined && !(value >= 0)) {
      throw new KittError("USAGE", `goodput SLO ${name}:${value} must be ≥ 0 ms`);
    }
  }
}
