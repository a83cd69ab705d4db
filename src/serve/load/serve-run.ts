/**
 * One serving-benchmark run: warmup (outside the measured window, with prompts of its own), a
 * "before" scrape of the engine's /metrics, the paced load, an "after" scrape, then vLLM's
 * metrics and kitt's extras. The result JSON keeps vLLM's key names, so tools that read vLLM's
 * result files read ours (vLLM's per-request arrays too, when asked); kitt's extra keys sit
 * beside them.
 */
import type { JsonValue } from "../../json.js";
import { ServeAccumulator } from "../metrics/accumulator.js";
import { computeServeMetrics, type GoodputSlo, type ServeMetrics } from "../metrics/serve-metrics.js";
import { VllmRequestArrays } from "../metrics/vllm-request-arrays.js";
import type { ArrivalDistribution, RampUp, ServeRequest } from "../types.js";
import { runLoad, type LoadProgress, type LoadRunOptions, type StopReason } from "./load-generator.js";
import { buildSchedule } from "./schedule.js";

/**
 * The `vllm bench serve` releases whose metric definitions kitt's vLLM-named keys follow: every
 * streamed chunk with `choices` counts, empty text included (0.6 skipped those), output tokens
 * from the server's usage, and `max_concurrent_requests` over 1-second buckets.
 */
export const VLLM_METRIC_DEFINITIONS = "vllm>=0.7,<=0.28";

/** Engine-side metrics collection around the measured window (see `collectors/engine-metrics.ts`). */
export interface MetricsCollector {
  start(): Promise<void>;
  stop(): Promise<JsonValue>;
}

export interface ServeRunOptions {
  baseUrl: string;
  protocol: LoadRunOptions["protocol"];
  model: string;
  /** Label for `backend` / `endpoint_type` in the result. */
  backend: string;
  tokenizerId: string;
  requests: readonly ServeRequest[];
  /**
   * Sent before the measured window, unpaced, at the same concurrency. Their prompts should not
   * be among the measured ones, or an engine's prompt cache answers those from memory.
   */
  warmup: readonly ServeRequest[];
  requestRate: number;
  distribution: ArrivalDistribution;
  burstiness: number;
  rampUp?: RampUp;
  maxConcurrency: number;
  durationMs: number;
  maxErrors: number;
  maxErrorRate: number;
  ignoreEos: boolean;
  temperature: number;
  seed: number;
  workers?: LoadRunOptions["workers"];
  slo?: GoodputSlo;
  percentiles?: readonly number[];
  recordsPath?: string;
  /** Add vLLM's per-request arrays to the result (`serve/metrics/vllm-request-arrays.ts`), with or without the generated texts. */
  vllmArrays?: { generatedTexts: boolean };
  metrics?: MetricsCollector;
  signal?: AbortSignal;
  onProgress?(progress: ServeProgress): void;
}

export interface ServeProgress extends LoadProgress {
  phase: "warmup" | "measure";
  /** Output tokens of the requests finished so far (server counts, else client counts). */
  outputTokens: number;
}

export interface ServeRunResult {
  /** vLLM's result-file shape plus kitt's keys. */
  result: Record<string, JsonValue>;
  metrics: ServeMetrics;
  stoppedBecause: StopReason;
}

export async function runServe(options: ServeRunOptions): Promise<ServeRunResult> {
  const base = {
    baseUrl: options.baseUrl,
    protocol: options.protocol,
    model: options.model,
    maxConcurrency: options.maxConcurrency,
    maxErrors: options.maxErrors,
    maxErrorRate: options.maxErrorRate,
    ignoreEos: options.ignoreEos,
    temperature: options.temperature,
    workers: options.workers,
  };
  const { warmup } = options;
  if (warmup.length > 0) {
    await runLoad(
      warmup,
      { ...base, schedule: new Float64Array(warmup.length), durationMs: Number.POSITIVE_INFINITY },
      { onRecord: () => undefined, onProgress: (p) => options.onProgress?.({ ...p, phase: "warmup", outputTokens: 0 }) },
      options.signal,
    );
  }

  const schedule = buildSchedule({
    numRequests: options.requests.length,
    requestRate: options.requestRate,
    distribution: options.distribution,
    burstiness: options.burstiness,
    rampUp: options.rampUp,
    seed: options.seed,
  });
  const accumulator = new ServeAccumulator();
  const arrays = options.vllmArrays && new VllmRequestArrays(options.requests.length, options.vllmArrays.generatedTexts);
  let outputTokens = 0;
  await options.metrics?.start();
  let load: Awaited<ReturnType<typeof runLoad>>;
  let engineMetrics: JsonValue = null;
  try {
    load = await runLoad(
      options.requests,
      { ...base, schedule, durationMs: options.durationMs, recordsPath: options.recordsPath, keepText: options.vllmArrays?.generatedTexts },
      {
        onRecord: (record) => {
          accumulator.add(record);
          arrays?.add(record);
          if (record.success) outputTokens += record.outputTokens ?? record.clientOutputTokens;
        },
        onProgress: (p) => options.onProgress?.({ ...p, phase: "measure", outputTokens }),
      },
      options.signal,
    );
  } finally {
    engineMetrics = (await options.metrics?.stop()) ?? null;
  }

  const metrics = computeServeMetrics(accumulator, {
    durationS: load.durationMs / 1000,
    selectedPercentiles: options.percentiles,
    goodputSlo: options.slo,
    targetRate: options.rampUp ? undefined : options.requestRate,
    maxConcurrency: options.maxConcurrency,
    clientStats: {
      event_loop_delay_p99_ms: load.client.eventLoopDelayP99Ms,
      event_loop_delay_max_ms: load.client.eventLoopDelayMaxMs,
      cpu_percent: load.client.cpuPercent,
      peak_rss_mb: load.client.peakRssBytes / 2 ** 20,
      worker_threads: load.client.workerThreads,
    },
  });
  const result: Record<string, JsonValue> = {
    date: vllmDate(new Date(load.startedAt)),
    endpoint_type: options.backend,
    backend: options.backend,
    label: null,
    model_id: options.model,
    tokenizer_id: options.tokenizerId,
    num_prompts: options.requests.length,
    request_rate: Number.isFinite(options.requestRate) ? options.requestRate : "inf",
    burstiness: options.burstiness,
    max_concurrency: Number.isFinite(options.maxConcurrency) ? options.maxConcurrency : null,
    metric_definitions: VLLM_METRIC_DEFINITIONS,
    ...(metrics as unknown as Record<string, JsonValue>),
    ...arrays?.toJson(),
    stopped_because: load.stoppedBecause,
    warmup_requests: warmup.length,
    warmup_prompts_measured: sharedPrompts(warmup, options.requests),
    engine_metrics: engineMetrics,
  };
  return { result, metrics, stoppedBecause: load.stoppedBecause };
}

/** How many warm-up requests carry a prompt that is also measured (a data set with too few distinct prompts). */
export function sharedPrompts(warmup: readonly ServeRequest[], measured: readonly ServeRequest[]): number {
  if (warmup.length === 0) return 0;
  const measuredPrompts = new Set(measured.map((request) => request.prompt));
  return warmup.filter((request) => measuredPrompts.has(request.prompt)).length;
}

/** vLLM's `date` format: YYYYMMDD-HHMMSS, local time. */
export function vllmDate(date: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}${two(date.getMonth() + 1)}${two(date.getDate())}-${two(date.getHours())}${two(date.getMinutes())}${two(date.getSeconds())}`;
}
