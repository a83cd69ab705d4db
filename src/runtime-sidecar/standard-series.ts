/**
 * The series `kitt runtime` adds to an engine's exposition: each metric kitt unifies once, under
 * Kthena's name where Kthena has one (its five) and under kitt's (`kitt:*`) otherwise, with its
 * own `# HELP`, the engine's labels and the pod's `pod` and `model` labels.
 *
 * A label the engine already calls `pod` or `model` with another value is kept as
 * `exported_pod` / `exported_model`, the way Prometheus itself keeps a scraped label that
 * clashes with a target label (`honor_labels: false`): the runtime's identity always wins,
 * and nothing the engine said is lost.
 */
import { standardize, UNIFIED, type UnifiedFamily, type UnifiedName } from "../collectors/prometheus/unified.js";
import type { EngineName } from "../engines/types.js";
import type { Exposition, Sample } from "../collectors/prometheus/types.js";
import { escapeLabelValue, formatFamilyHeader, formatNumber } from "../collectors/prometheus/write.js";

/** Who is serving: the runtime's `--pod` and `--model`. */
export interface ServingIdentity {
  pod: string;
  model: string;
}

/** Kthena's unified names, by the kitt metric each is (TPOT is kitt's inter-token latency, as Kthena maps it). */
export const KTHENA_NAMES: ReadonlyMap<UnifiedName, string> = new Map([
  [UNIFIED.generationTokens, "kthena:generation_tokens_total"],
  [UNIFIED.requestsWaiting, "kthena:num_requests_waiting"],
  [UNIFIED.timeToFirstToken, "kthena:time_to_first_token_seconds"],
  [UNIFIED.interTokenLatency, "kthena:time_per_output_token_seconds"],
  [UNIFIED.e2eRequestLatency, "kthena:e2e_request_latency_seconds"],
]);

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

/**
 * A sample line after the family name: suffix, the engine's labels (a clashing `pod` or `model`
 * as `exported_…`), the identity's labels (`identityLabels`, written once), value, timestamp.
 * Written as text directly: it runs for every standardized sample on every scrape.
 */
function sampleTail(family: UnifiedFamily, sample: Sample, identity: ServingIdentity, identityLabels: string): string {
  let labels = "";
  for (const name in sample.labels) {
    const value = sample.labels[name]!;
    if (name === "pod" || name === "model") {
      if (value !== identity[name]) labels += `exported_${name}="${escapeLabelValue(value)}",`;
    } else {
      labels += `${name}="${escapeLabelValue(value)}",`;
    }
  }
  const line = `${sample.name.slice(family.name.length)}{${labels}${identityLabels}} ${formatNumber(sample.value)}`;
  return sample.timestamp === undefined ? line : `${line} ${sample.timestamp}`;
}

/** The exposition text of the engine's metrics under unified names; metrics the engine does not export are absent. */
export function standardSeriesText(exposition: Exposition, engine: EngineName, identity: ServingIdentity): string {
  const identityLabels = `pod="${escapeLabelValue(identity.pod)}",model="${escapeLabelValue(identity.model)}"`;
  let text = "";
  for (const family of standardize(exposition, engine).values()) {
    const name = KTHENA_NAMES.get(family.name) ?? family.name;
    text += formatFamilyHeader({ name, type: family.type, help: `${HELP[family.name]} (kitt runtime, from the engine's ${family.source})` });
    for (const sample of family.samples) text += `${name}${sampleTail(family, sample, identity, identityLabels)}\n`;
  }
  return text;
}
