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
import type { Exposition, Sample } from "../collectors/prometheus/types.js";
import { escapeLabelValue, formatFamilyHeader, formatNumber } from "../collectors/prometheus/write.js";

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

function familyText(name: string, family: UnifiedFamily, tails: readonly string[]): string {
  let text = formatFamilyHeader({ name, type: family.type, help: `${HELP[family.name]} (kitt runtime, from the engine's ${family.source})` });
  for (const tail of tails) text += `${name}${tail}\n`;
  return text;
}

/** The exposition text of Kthena's families, then kitt's; metrics the engine does not export are absent. */
export function standardSeriesText(exposition: Exposition, engine: EngineName, identity: ServingIdentity): string {
  const unified = standardize(exposition, engine);
  const identityLabels = `pod="${escapeLabelValue(identity.pod)}",model="${escapeLabelValue(identity.model)}"`;
  // Written once, used for both the `kitt:` and the `kthena:` copy.
  const tails = new Map<UnifiedName, string[]>();
  for (const family of unified.values()) tails.set(family.name, family.samples.map((sample) => sampleTail(family, sample, identity, identityLabels)));
  let text = "";
  for (const { name, from } of KTHENA_NAMES) {
    const family = unified.get(from);
    if (family) text += familyText(name, family, tails.get(from)!);
  }
  for (const family of unified.values()) text += familyText(family.name, family, tails.get(family.name)!);
  return text;
}
