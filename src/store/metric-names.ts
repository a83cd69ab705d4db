import type { JsonValue } from "../json.js";
/**
 * How a test's metrics JSON becomes rows of the `metrics` table.
 *
 * Rule: every finite number is stored under its path, keys joined by dots and array elements
 * by their index — `{ttft_ms: {p99: 3}}` → `ttft_ms.p99`, `{levels: [{tps: 9}]}` → `levels.0.tps`.
 * Strings, booleans and nulls are not metrics (they stay in the benchmark's JSON). Top-level
 * keys holding per-request samples (`SAMPLE_KEYS`) are not flattened: they are stored once,
 * compressed, in `request_samples`. Time series kept for charts (`NOT_METRICS`) are not metrics
 * either: they stay in the stored document.
 */

/** kitt's `per_request`, and the per-request arrays of vLLM's detailed result files. */
export const SAMPLE_KEYS: ReadonlySet<string> = new Set(["per_request", "input_lens", "output_lens", "ttfts", "itls", "generated_texts", "errors"]);

/** Paths whose values are time series for the report's charts, not metrics to query: the engine's CPU and memory samples, GPU memory samples. */
const NOT_METRICS: ReadonlySet<string> = new Set(["engine_process.samples", "gpu_memory.samples"]);

export interface SplitMetrics {
  /** The metrics with each sample array replaced by null, so the key order survives. */
  rest: Record<string, JsonValue>;
  /** The sample arrays by key, or null when there are none. */
  samples: Record<string, JsonValue> | null;
}

export function splitSamples(metrics: Record<string, JsonValue>): SplitMetrics {
  const rest: Record<string, JsonValue> = {};
  const samples: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(metrics)) {
    const isSample = SAMPLE_KEYS.has(key) && Array.isArray(value);
    if (isSample) samples[key] = value;
    rest[key] = isSample ? null : value;
  }
  return { rest, samples: Object.keys(samples).length > 0 ? samples : null };
}

/** The inverse of `splitSamples`. */
export function joinSamples(rest: Record<string, JsonValue>, samples: Record<string, JsonValue> | null): Record<string, JsonValue> {
  const joined: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(rest)) joined[key] = samples?.[key] ?? value;
  return joined;
}

export function flattenMetrics(value: JsonValue, prefix = "", into: Map<string, number> = new Map()): Map<string, number> {
  if (NOT_METRICS.has(prefix)) return into;
  if (typeof value === "number") {
    if (Number.isFinite(value) && prefix !== "") into.set(prefix, value);
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => flattenMetrics(item, join(prefix, String(index)), into));
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) flattenMetrics(item, join(prefix, key), into);
  }
  return into;
}

function join(prefix: string, key: string): string {
  return prefix === "" ? key : `${prefix}.${key}`;
}
