/**
 * The series `kitt runtime` adds to an engine's exposition: each metric kitt unifies once, under
 * Kthena's name where Kthena has one (its five) and under kitt's (`kitt:*`) otherwise, with its
 * own `# HELP`, the engine's labels and the pod's `pod` and `model` labels.
 *
 * A label the engine already calls `pod` or `model` with another value is kept as
 * `exported_pod` / `exported_model`, the way Prometheus itself keeps a scraped label that
 * clashes with a target label (`honor_labels: false`): the runtime's identity always wins,
 * and nothing the engine said is lost.
 *
 * This runs on every scrape over every bucket line of the mapped histograms, so the engine's
 * lines are renamed as text (read by `readRawFamilies`): the name replaced, the identity labels added,
 * the value and timestamp kept exactly as the engine wrote them. Only a line that already has a
 * `pod` or `model` label is parsed, to rename that label.
 */
import { parseSampleLine, sampleName } from "../collectors/prometheus/sample-line.js";
import { standardize, UNIFIED, type UnifiedName } from "../collectors/prometheus/unified.js";
import type { EngineName } from "../engines/types.js";
import type { FamilyOf, RawSample, Sample } from "../collectors/prometheus/types.js";
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
 * A parsed sample's labels (a clashing `pod` or `model` as `exported_…`), the identity's
 * labels, value and timestamp: the line after its name.
 */
function parsedTail(sample: Sample, identity: ServingIdentity, identityLabels: string): string {
  let labels = "";
  for (const name in sample.labels) {
    const value = sample.labels[name]!;
    if (name === "pod" || name === "model") {
      if (value !== identity[name]) labels += `exported_${name}="${escapeLabelValue(value)}",`;
    } else {
      labels += `${name}="${escapeLabelValue(value)}",`;
    }
  }
  const line = `{${labels}${identityLabels}} ${formatNumber(sample.value)}`;
  return sample.timestamp === undefined ? line : `${line} ${sample.timestamp}`;
}

/** The index after the `}` closing the label set opened at `open`, or -1 (quotes and escapes honoured). */
function labelSetEnd(line: string, open: number): number {
  let quoted = false;
  for (let i = open + 1; i < line.length; i++) {
    const code = line.charCodeAt(i);
    if (quoted) {
      if (code === 0x5c) i++; // `\`: the next character is escaped
      else if (code === 0x22) quoted = false;
    } else if (code === 0x22) {
      quoted = true;
    } else if (code === 0x7d) {
      return i + 1;
    }
  }
  return -1;
}

/** A `pod` or `model` label name in a label set's text. */
const IDENTITY_LABEL = /(?:^|,)\s*(?:pod|model)\s*=/;

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/** `line` after its sample name, with the identity's labels added; undefined when it is no sample. */
function rawTail(line: string, identity: ServingIdentity, identityLabels: string): string | undefined {
  let nameEnd = 0;
  while (isSpace(line.charCodeAt(nameEnd))) nameEnd++;
  nameEnd += sampleName(line).length;
  let i = nameEnd;
  while (isSpace(line.charCodeAt(i))) i++;
  if (line.charCodeAt(i) !== 0x7b) return isSpace(line.charCodeAt(nameEnd)) ? `{${identityLabels}}${line.slice(nameEnd)}` : undefined;
  const end = labelSetEnd(line, i);
  if (end < 0) return undefined;
  const inner = line.slice(i + 1, end - 1);
  if (IDENTITY_LABEL.test(inner)) {
    // Perhaps a label of that name (or only that text in a value): parse, to keep it as exported_pod / exported_model.
    const sample = parseSampleLine(line);
    return sample && parsedTail(sample, identity, identityLabels);
  }
  let last = inner.length - 1;
  while (last >= 0 && isSpace(inner.charCodeAt(last))) last--;
  // `{}` and a trailing comma are both allowed by the format.
  const separator = last < 0 || inner.charCodeAt(last) === 0x2c ? "" : ",";
  return `{${inner.slice(0, last + 1)}${separator}${identityLabels}}${line.slice(end)}`;
}

/**
 * The exposition text of the engine's metrics under unified names, from the engine's families
 * the unified metrics read (`readRawFamilies` of `sourceFamilies`); metrics the engine does not
 * export are absent.
 */
export function standardSeriesText(families: ReadonlyMap<string, FamilyOf<RawSample>>, engine: EngineName, identity: ServingIdentity): string {
  const identityLabels = `pod="${escapeLabelValue(identity.pod)}",model="${escapeLabelValue(identity.model)}"`;
  let text = "";
  for (const family of standardize(families, engine).values()) {
    const name = KTHENA_NAMES.get(family.name) ?? family.name;
    text += formatFamilyHeader({ name, type: family.type, help: `${HELP[family.name]} (kitt runtime, from the engine's ${family.source})` });
    for (const sample of family.samples) {
      // `sample.name` is the unified one; the line still starts with the engine's.
      const tail = rawTail(sample.line, identity, identityLabels);
      if (tail !== undefined) text += `${name}${sample.name.slice(family.name.length)}${tail}\n`;
    }
  }
  return text;
}
