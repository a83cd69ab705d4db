/**
 * The Prometheus text exposition format, as parsed: families of samples. A histogram's
 * `_bucket`, `_sum` and `_count` samples (and a summary's quantiles, `_sum` and `_count`) sit
 * under their family, keeping their own full names, so nothing about the original is lost.
 */

/** `unknown`, `info`, `stateset` and `gaugehistogram` (OpenMetrics) read as `untyped`. */
export type MetricType = "counter" | "gauge" | "histogram" | "summary" | "untyped";

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  /** The sample's own name, e.g. `vllm:e2e_request_latency_seconds_bucket`. */
  name: string;
  labels: Labels;
  /** May be `Infinity`, `-Infinity` or `NaN`. */
  value: number;
  /** As written: milliseconds since the epoch in the Prometheus text format. */
  timestamp?: number;
}

/** A family whose samples are `S`: parsed samples, or raw lines read only for their names. */
export interface FamilyOf<S extends { name: string }> {
  /** As declared by `# TYPE` (or the sample name when nothing declared it). */
  name: string;
  type: MetricType;
  help?: string;
  samples: S[];
}

export type MetricFamily = FamilyOf<Sample>;

/** Families by name, in the order the body first mentions them. */
export type Exposition = Map<string, MetricFamily>;

/** A sample line kept as written: its sample name, the line itself and where it starts in the body. */
export interface RawSample {
  name: string;
  line: string;
  at: number;
}
