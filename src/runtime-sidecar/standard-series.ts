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

/** Where a sample line's label set opens (-1: it has none) and where its head ends; undefined when it is no well-formed sample. */
function sampleHead(line: string): { open: number; end: number } | undefined {
  let nameEnd = 0;
  while (isSpace(line.charCodeAt(nameEnd))) nameEnd++;
  nameEnd += sampleName(line).length;
  let open = nameEnd;
  while (isSpace(line.charCodeAt(open))) open++;
  if (line.charCodeAt(open) !== 0x7b) return isSpace(line.charCodeAt(nameEnd)) ? { open: -1, end: nameEnd } : undefined;
  const end = labelSetEnd(line, open);
  return end < 0 ? undefined : { open, end };
}

/**
 * Where a sample line's head ends: after the `}` closing its label set, or after its name when it
 * has none (a space or tab follows); undefined when it is no well-formed sample. The rest of the
 * line (value, timestamp) is passed on as written.
 */
export function sampleHeadEnd(line: string): number | undefined {
  return sampleHead(line)?.end;
}

/**
 * An engine's sample line renamed: `head` (the new name, the engine's labels and the identity's)
 * takes the place of the `line`'s first `end` characters, and the rest of it follows unchanged.
 * A line with a `pod` or `model` label of its own is parsed and written whole (`text`).
 */
export type RenamedLine = { at: number; line: string; end: number; head: string } | { at: number; line: string; text: string };

function renameLine(sample: RawSample, name: string, identity: ServingIdentity, identityLabels: string): RenamedLine | undefined {
  const { line, at } = sample;
  const head = sampleHead(line);
  if (head === undefined) return undefined;
  const { open, end } = head;
  if (open < 0) return { at, line, end, head: `${name}{${identityLabels}}` };
  const inner = line.slice(open + 1, end - 1);
  if (IDENTITY_LABEL.test(inner)) {
    // Perhaps a label of that name (or only that text in a value): parse, to keep it as exported_pod / exported_model.
    const parsed = parseSampleLine(line);
    return parsed && { at, line, text: name + parsedTail(parsed, identity, identityLabels) };
  }
  let last = inner.length - 1;
  while (last >= 0 && isSpace(inner.charCodeAt(last))) last--;
  // `{}` and a trailing comma are both allowed by the format.
  const separator = last < 0 || inner.charCodeAt(last) === 0x2c ? "" : ",";
  return { at, line, end, head: `${name}{${inner.slice(0, last + 1)}${separator}${identityLabels}}` };
}

/** The standardized series as pieces: family headers (text) and renamed engine lines. */
export type StandardSeriesPiece = string | RenamedLine;

/**
 * The exposition of the engine's metrics under unified names, from the engine's families the
 * unified metrics read (`readRawFamilies` of `sourceFamilies`), as pieces; metrics the engine
 * does not export are absent.
 */
export function standardSeriesPieces(families: ReadonlyMap<string, FamilyOf<RawSample>>, engine: EngineName, identity: ServingIdentity): StandardSeriesPiece[] {
  const identityLabels = `pod="${escapeLabelValue(identity.pod)}",model="${escapeLabelValue(identity.model)}"`;
  const pieces: StandardSeriesPiece[] = [];
  for (const family of standardize(families, engine).values()) {
    const name = KTHENA_NAMES.get(family.name) ?? family.name;
    pieces.push(formatFamilyHeader({ name, type: family.type, help: `${HELP[family.name]} (kitt runtime, from the engine's ${family.source})` }));
    for (const sample of family.samples) {
      // `sample.name` is the unified one; the line still starts with the engine's.
      const renamed = renameLine(sample, `${name}${sample.name.slice(family.name.length)}`, identity, identityLabels);
      if (renamed !== undefined) pieces.push(renamed);
    }
  }
  return pieces;
}

/** The text of standardized series pieces. */
export function joinPieces(pieces: readonly StandardSeriesPiece[]): string {
  let text = "";
  for (const piece of pieces) {
    if (typeof piece === "string") text += piece;
    else if ("text" in piece) text += `${piece.text}\n`;
    else text += `${piece.head}${piece.line.slice(piece.end)}\n`;
  }
  return text;
}

/** The exposition text of the standardized series (`standardSeriesPieces`). */
export function standardSeriesText(families: ReadonlyMap<string, FamilyOf<RawSample>>, engine: EngineName, identity: ServingIdentity): string {
  return joinPieces(standardSeriesPieces(families, engine, identity));
}
