/**
 * The series `kitt runtime` adds to an engine's exposition: Kthena's five unified names and
 * every other name kitt unifies (`kitt:*`), each family once, with its own `# HELP`, the
 * engine's labels and the pod's `pod` and `model` labels.
 *
 * A label the engine already calls `pod` or `model` with another value is kept as
 * `exported_pod` / `exported_model`, the way Prometheus itself keeps a scraped label that
 * clashes with a target label (`honor_labels: false`): the runtime's identity always wins,
 * and nothing the engine said is lost.
 */
import { standardize, UNIFIED, type UnifiedFamily, type UnifiedName } from "../collectors/prometheus/unified.js";
import type { EngineName } from "../engines/types.js";
import type { Exposition, Labels, MetricFamily, Sample } from "../collectors/prometheus/types.js";

/** Who is serving: the runtime's `--pod` and `--model`. */
export interface ServingIdentity {
  pod: string;
  model: string;
}

/** Kthena's unified names and the kitt name each is read from (TPOT is kitt's inter-token latency, as Kthena maps it). */
export const KTHENA_NAMES: ReadonlyArray<{ name: string; from: UnifiedName }> = [
  { name: "kthena:generation_tokens_total", from: UNIFIED.generationTokens },
  { name: "kthena:num_requests_waiting", from: UNIFIED.requestsWaiting },
  { name: "kthena:time_to_first_token_seconds", from: UNIFIED.timeToFirstToken },
  { name: "kthena:time_per_output_token_seconds", from: UNIFIED.interTokenLatency },
  { name: "kthena:e2e_request_latency_seconds", from: UNIFIED.e2eRequestLatency },
];

const HELP: Readonly<Record<UnifiedName, string>> = {
  [UNIFIED.generationTokens]: "Tokens generated",
  [UNIFIED.promptTokens]: "Prompt tokens processed",
  [UNIFIED.requestSuccess]: "Requests finished successfully",
  [UNIFIED.requestsRunning]: "Requests being generated now",
  [UNIFIED.requestsWaiting]: "Requests waiting to be scheduled",
  [UNIFIED.kvCacheUsage]: "Fraction of the KV cache in use (1 = full)",
  [UNIFIED.timeToFirstToken]: "Time to first token in seconds",
  [UNIFIED.interTokenLatency]: "Time between output tokens in seconds (inter-token latency)",
  [UNIFIED.requestTimePerOutputToken]: "Mean time per output token of each request in seconds",
  [UNIFIED.e2eRequestLatency]: "End-to-end request latency in seconds",
  [UNIFIED.requestQueueTime]: "Time requests spent queued in seconds",
};

const IDENTITY_LABELS = ["pod", "model"] as const;

function withIdentity(labels: Labels, identity: ServingIdentity): Labels {
  const result = Object.create(null) as Record<string, string>;
  for (const name in labels) {
    const value = labels[name]!;
    if (name === "pod" || name === "model") {
      if (value !== identity[name]) result[`exported_${name}`] = value;
    } else {
      result[name] = value;
    }
  }
  for (const name of IDENTITY_LABELS) result[name] = identity[name];
  return result;
}

/** The family under `name`: samples renamed (suffixes kept), labels with the identity. */
function renamed(family: UnifiedFamily, name: string, identity: ServingIdentity): MetricFamily {
  const samples: Sample[] = family.samples.map((sample) => {
    const renamedSample: Sample = { name: name + sample.name.slice(family.name.length), labels: withIdentity(sample.labels, identity), value: sample.value };
    if (sample.timestamp !== undefined) renamedSample.timestamp = sample.timestamp;
    return renamedSample;
  });
  return { name, type: family.type, help: `${HELP[family.name]} (kitt runtime, from the engine's ${family.source})`, samples };
}

/** Kthena's families first, then kitt's; metrics the engine does not export are absent. */
export function standardSeries(exposition: Exposition, engine: EngineName, identity: ServingIdentity): MetricFamily[] {
  const unified = standardize(exposition, engine);
  const families: MetricFamily[] = [];
  for (const { name, from } of KTHENA_NAMES) {
    const family = unified.get(from);
    if (family) families.push(renamed(family, name, identity));
  }
  for (const family of unified.values()) families.push(renamed(family, family.name, identity));
  return families;
}
