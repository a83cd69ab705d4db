/**
 * Engine metrics under one set of names (the idea of Kthena's runtime sidecar): each engine's
 * families are copied under kitt's own `kitt:` names, keeping labels and the histogram suffixes
 * `_bucket`, `_sum` and `_count`, so one report reads the same for every engine.
 *
 * | unified name                                 | type      | vLLM                                                                  | SGLang                                                                   | TGI                                        | llama.cpp                                   |
 * |----------------------------------------------|-----------|-----------------------------------------------------------------------|--------------------------------------------------------------------------|--------------------------------------------|---------------------------------------------|
 * | `kitt:generation_tokens_total`               | counter   | `vllm:generation_tokens_total`                                        | `sglang:generation_tokens_total`                                         | `tgi_request_generated_tokens_sum`         | `llamacpp:tokens_predicted_total`           |
 * | `kitt:prompt_tokens_total`                   | counter   | `vllm:prompt_tokens_total`                                            | `sglang:prompt_tokens_total`                                             | `tgi_request_input_length_sum`             | `llamacpp:prompt_tokens_total` ¹            |
 * | `kitt:request_success_total`                 | counter   | `vllm:request_success_total`                                          | —                                                                        | `tgi_request_success`                      | —                                           |
 * | `kitt:num_requests_running`                  | gauge (Σ) | `vllm:num_requests_running`                                           | `sglang:num_running_reqs`                                                | `tgi_batch_current_size`                   | `llamacpp:requests_processing`              |
 * | `kitt:num_requests_waiting`                  | gauge (Σ) | `vllm:num_requests_waiting`                                           | `sglang:num_queue_reqs`                                                  | `tgi_queue_size`                           | `llamacpp:requests_deferred`                |
 * | `kitt:kv_cache_usage_perc`                   | gauge (x̄) | `vllm:kv_cache_usage_perc`, else `vllm:gpu_cache_usage_perc`          | `sglang:token_usage`                                                     | —                                          | `llamacpp:kv_cache_usage_ratio` (old builds) |
 * | `kitt:time_to_first_token_seconds`           | histogram | `vllm:time_to_first_token_seconds`                                    | `sglang:time_to_first_token_seconds`                                     | —                                          | —                                           |
 * | `kitt:inter_token_latency_seconds`           | histogram | `vllm:inter_token_latency_seconds`, else `vllm:time_per_output_token_seconds` | `sglang:inter_token_latency_seconds`, else `sglang:time_per_output_token_seconds` | —                                  | —                                           |
 * | `kitt:request_time_per_output_token_seconds` | histogram | `vllm:request_time_per_output_token_seconds`                          | —                                                                        | `tgi_request_mean_time_per_token_duration` | —                                           |
 * | `kitt:e2e_request_latency_seconds`           | histogram | `vllm:e2e_request_latency_seconds`                                    | `sglang:e2e_request_latency_seconds`                                     | `tgi_request_duration`                     | —                                           |
 * | `kitt:request_queue_time_seconds`            | histogram | `vllm:request_queue_time_seconds`                                     | `sglang:queue_time_seconds`                                              | `tgi_request_queue_duration`               | —                                           |
 *
 * Inter-token latency takes one observation per gap between output tokens (vLLM's old
 * `time_per_output_token_seconds` measured exactly that, and was renamed); the per-request
 * time per output token takes one observation per request. TGI has no token counters, so its
 * per-request token histograms' `_sum` serves: it grows by each finished request's tokens.
 * ¹ Recent llama.cpp builds leave prompt tokens served from the cache out of this counter.
 *
 * Units: every histogram above is in seconds at its source, so none needs converting. vLLM and
 * SGLang name theirs `_seconds`; TGI's `_duration` histograms are seconds too (its Rust
 * `metrics` calls record `Duration::as_secs_f64()`: the recorded body's `tgi_request_duration`
 * averages 5 s a request, its mean time per token 0.08 s); llama.cpp's only durations are the
 * `*_seconds_total` counters, in seconds and not mapped.
 *
 * Kthena's bugs, fixed here: a counter is found whether its family was declared with or
 * without `_total` (Kthena's parser stripped it and the generation-token counter was never
 * emitted), and vLLM's TPOT comes from the histograms vLLM still exports, the one hidden from
 * 0.12 serving only as a fallback for old versions.
 */
import type { EngineName } from "../../engines/types.js";
import type { FamilyOf, Sample } from "./types.js";

type Named = { name: string };

export const UNIFIED = {
  generationTokens: "kitt:generation_tokens_total",
  promptTokens: "kitt:prompt_tokens_total",
  requestSuccess: "kitt:request_success_total",
  requestsRunning: "kitt:num_requests_running",
  requestsWaiting: "kitt:num_requests_waiting",
  kvCacheUsage: "kitt:kv_cache_usage_perc",
  timeToFirstToken: "kitt:time_to_first_token_seconds",
  interTokenLatency: "kitt:inter_token_latency_seconds",
  requestTimePerOutputToken: "kitt:request_time_per_output_token_seconds",
  e2eRequestLatency: "kitt:e2e_request_latency_seconds",
  requestQueueTime: "kitt:request_queue_time_seconds",
} as const;

export type UnifiedName = (typeof UNIFIED)[keyof typeof UNIFIED];
export type UnifiedType = "counter" | "gauge" | "histogram";

/** A family name, or `{ sumOf }`: a histogram whose `_sum` is read as a counter. */
type Source = string | { sumOf: string };

export interface UnifiedMetric {
  name: UnifiedName;
  type: UnifiedType;
  /** How a gauge's label sets make one number: request counts add up, cache fractions average. */
  combine?: "sum" | "mean";
  /** Candidate families per engine, preferred first; the first one present with samples is used. */
  sources: Partial<Record<EngineName, readonly Source[]>>;
}

export const UNIFIED_METRICS: readonly UnifiedMetric[] = [
  {
    name: UNIFIED.generationTokens,
    type: "counter",
    sources: {
      vllm: ["vllm:generation_tokens_total"],
      sglang: ["sglang:generation_tokens_total"],
      tgi: [{ sumOf: "tgi_request_generated_tokens" }],
      llama_cpp: ["llamacpp:tokens_predicted_total"],
    },
  },
  {
    name: UNIFIED.promptTokens,
    type: "counter",
    sources: {
      vllm: ["vllm:prompt_tokens_total"],
      sglang: ["sglang:prompt_tokens_total"],
      tgi: [{ sumOf: "tgi_request_input_length" }],
      llama_cpp: ["llamacpp:prompt_tokens_total"],
    },
  },
  {
    name: UNIFIED.requestSuccess,
    type: "counter",
    sources: { vllm: ["vllm:request_success_total"], tgi: ["tgi_request_success"] },
  },
  {
    name: UNIFIED.requestsRunning,
    type: "gauge",
    combine: "sum",
    sources: {
      vllm: ["vllm:num_requests_running"],
      sglang: ["sglang:num_running_reqs"],
      tgi: ["tgi_batch_current_size"],
      llama_cpp: ["llamacpp:requests_processing"],
    },
  },
  {
    name: UNIFIED.requestsWaiting,
    type: "gauge",
    combine: "sum",
    sources: {
      vllm: ["vllm:num_requests_waiting"],
      sglang: ["sglang:num_queue_reqs"],
      tgi: ["tgi_queue_size"],
      llama_cpp: ["llamacpp:requests_deferred"],
    },
  },
  {
    name: UNIFIED.kvCacheUsage,
    type: "gauge",
    combine: "mean",
    sources: {
      vllm: ["vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc"],
      sglang: ["sglang:token_usage"],
      llama_cpp: ["llamacpp:kv_cache_usage_ratio"],
    },
  },
  {
    name: UNIFIED.timeToFirstToken,
    type: "histogram",
    sources: { vllm: ["vllm:time_to_first_token_seconds"], sglang: ["sglang:time_to_first_token_seconds"] },
  },
  {
    name: UNIFIED.interTokenLatency,
    type: "histogram",
    sources: {
      vllm: ["vllm:inter_token_latency_seconds", "vllm:time_per_output_token_seconds"],
      sglang: ["sglang:inter_token_latency_seconds", "sglang:time_per_output_token_seconds"],
    },
  },
  {
    name: UNIFIED.requestTimePerOutputToken,
    type: "histogram",
    sources: { vllm: ["vllm:request_time_per_output_token_seconds"], tgi: ["tgi_request_mean_time_per_token_duration"] },
  },
  {
    name: UNIFIED.e2eRequestLatency,
    type: "histogram",
    sources: {
      vllm: ["vllm:e2e_request_latency_seconds"],
      sglang: ["sglang:e2e_request_latency_seconds"],
      tgi: ["tgi_request_duration"],
    },
  },
  {
    name: UNIFIED.requestQueueTime,
    type: "histogram",
    sources: {
      vllm: ["vllm:request_queue_time_seconds"],
      sglang: ["sglang:queue_time_seconds"],
      tgi: ["tgi_request_queue_duration"],
    },
  },
];

/** A unified family: the engine's samples renamed, and the family they came from. */
export interface UnifiedFamilyOf<S extends Named> extends FamilyOf<S> {
  name: UnifiedName;
  type: UnifiedType;
  /** The engine family read, e.g. `vllm:inter_token_latency_seconds` or `tgi_request_generated_tokens_sum`. */
  source: string;
}

export type UnifiedFamily = UnifiedFamilyOf<Sample>;

/** Whether kitt knows any metric of this engine (engines without `/metrics` have none). */
export function hasUnifiedMetrics(engine: EngineName): boolean {
  return UNIFIED_METRICS.some((metric) => metric.sources[engine] !== undefined);
}

/** Every family `standardize` may read for this engine (counters with and without `_total`), for the parser's `only`. */
export function sourceFamilies(engine: EngineName): Set<string> {
  const names = new Set<string>();
  for (const metric of UNIFIED_METRICS) {
    for (const source of metric.sources[engine] ?? []) {
      if (typeof source !== "string") {
        names.add(source.sumOf);
      } else if (metric.type === "counter") {
        const base = source.endsWith("_total") ? source.slice(0, -"_total".length) : source;
        names.add(base).add(`${base}_total`);
      } else {
        names.add(source);
      }
    }
  }
  return names;
}

/** The value samples of a counter family: `foo_total` whether the family is `foo` or `foo_total`. */
function counterValues<S extends Named>(family: FamilyOf<S>): S[] {
  const total = family.name.endsWith("_total") ? family.name : `${family.name}_total`;
  return family.samples.filter((sample) => sample.name === family.name || sample.name === total);
}

/** Counter families are matched with and without `_total`, as parsers differ on keeping it. */
function counterFamily<S extends Named>(exposition: ReadonlyMap<string, FamilyOf<S>>, name: string): FamilyOf<S> | undefined {
  const base = name.endsWith("_total") ? name.slice(0, -"_total".length) : name;
  for (const candidate of [name, base, `${base}_total`]) {
    const family = exposition.get(candidate);
    if (family && (family.type === "counter" || family.type === "untyped") && counterValues(family).length > 0) return family;
  }
  return undefined;
}

interface Resolved<S> {
  source: string;
  samples: S[];
}

function resolve<S extends Named>(exposition: ReadonlyMap<string, FamilyOf<S>>, metric: UnifiedMetric, source: Source): Resolved<S> | undefined {
  if (typeof source !== "string") {
    const family = exposition.get(source.sumOf);
    if (family?.type !== "histogram") return undefined;
    const name = `${source.sumOf}_sum`;
    const samples = family.samples.filter((sample) => sample.name === name);
    return samples.length > 0 ? { source: name, samples: samples.map((sample) => ({ ...sample, name: metric.name })) } : undefined;
  }
  if (metric.type === "counter") {
    const family = counterFamily(exposition, source);
    return family && { source: family.name, samples: counterValues(family).map((sample) => ({ ...sample, name: metric.name })) };
  }
  const family = exposition.get(source);
  if (!family) return undefined;
  if (metric.type === "gauge") {
    if (family.type !== "gauge" && family.type !== "untyped") return undefined;
    const samples = family.samples.filter((sample) => sample.name === family.name);
    return samples.length > 0 ? { source, samples: samples.map((sample) => ({ ...sample, name: metric.name })) } : undefined;
  }
  if (family.type !== "histogram") return undefined;
  const samples: S[] = [];
  for (const sample of family.samples) {
    const suffix = sample.name.slice(family.name.length);
    if (suffix === "_bucket" || suffix === "_sum" || suffix === "_count") samples.push({ ...sample, name: metric.name + suffix });
  }
  return samples.length > 0 ? { source, samples } : undefined;
}

/** The engine's metrics under unified names; metrics the engine does not export are absent. */
export function standardize<S extends Named>(exposition: ReadonlyMap<string, FamilyOf<S>>, engine: EngineName): Map<UnifiedName, UnifiedFamilyOf<S>> {
  const unified = new Map<UnifiedName, UnifiedFamilyOf<S>>();
  for (const metric of UNIFIED_METRICS) {
    for (const source of metric.sources[engine] ?? []) {
      const resolved = resolve(exposition, metric, source);
      if (!resolved) continue;
      const family: UnifiedFamilyOf<S> = { name: metric.name, type: metric.type, source: resolved.source, samples: resolved.samples };
      const help = exposition.get(resolved.source)?.help;
      if (help !== undefined) family.help = help;
      unified.set(metric.name, family);
      break;
    }
  }
  return unified;
}
