/**
 * Parses a Prometheus text exposition body (format 0.0.4, and the OpenMetrics text that
 * engines sometimes send instead) into families of samples.
 *
 * Samples join the family a `# TYPE` line declared: a histogram takes its `_bucket`, `_sum`,
 * `_count` (and `_created`) samples, a summary its quantiles, `_sum` and `_count`, a counter
 * both the classic `foo_total` family name and the OpenMetrics `foo` family whose samples end
 * `_total`/`_created`. Undeclared samples form untyped families of their own name.
 *
 * Real servers print odd lines now and then; a line that is not a sample is skipped (and
 * reported to `onSkip`) rather than failing the scrape. Only a body in which nothing at all
 * parses (an HTML error page, JSON) is an error.
 *
 * `only` names the families a caller wants (e.g. `unified.ts`'s `sourceFamilies`): lines of any
 * other family are passed over without being parsed, which makes reading a few families out of
 * a large body several times faster. A body with none of them reads as empty, not as an error.
 */
import { KittError } from "../../errors.js";
import { parseSampleLine, sampleName } from "./sample-line.js";
import type { Exposition, FamilyOf, MetricType, RawSample } from "./types.js";

type Named = { name: string };
type Families<S extends Named> = Map<string, FamilyOf<S>>;

const SUFFIXES_BY_TYPE: Readonly<Record<MetricType, readonly string[]>> = {
  histogram: ["_bucket", "_sum", "_count", "_created"],
  summary: ["_sum", "_count", "_created"],
  counter: ["_total", "_created"],
  gauge: [],
  untyped: ["_info"],
};
const ALL_SUFFIXES = ["_bucket", "_sum", "_count", "_total", "_created", "_info"] as const;

function metricType(declared: string): MetricType {
  switch (declared.toLowerCase()) {
    case "counter":
    case "gauge":
    case "histogram":
    case "summary":
      return declared.toLowerCase() as MetricType;
    default:
      return "untyped";
  }
}

/**
 * Whether `text` starts with `prefix`. On this hot path (every line of a large body), comparing
 * a substring measured three times faster than `startsWith` or a character loop.
 */
function hasPrefix(text: string, prefix: string): boolean {
  return text.length >= prefix.length && text.substring(0, prefix.length) === prefix;
}

function belongsTo(family: FamilyOf<Named>, sampleName: string): boolean {
  if (sampleName === family.name) return true;
  if (!hasPrefix(sampleName, family.name)) return false;
  return SUFFIXES_BY_TYPE[family.type].includes(sampleName.slice(family.name.length));
}

function familyOf<S extends Named>(families: Families<S>, sampleName: string): FamilyOf<S> | undefined {
  const exact = families.get(sampleName);
  if (exact) return exact;
  for (const suffix of ALL_SUFFIXES) {
    if (!sampleName.endsWith(suffix)) continue;
    const base = families.get(sampleName.slice(0, -suffix.length));
    if (base && SUFFIXES_BY_TYPE[base.type].includes(suffix)) return base;
  }
  return undefined;
}

function familyNamed<S extends Named>(families: Families<S>, name: string): FamilyOf<S> {
  let family = families.get(name);
  if (!family) {
    family = { name, type: "untyped", samples: [] };
    families.set(name, family);
  }
  return family;
}

/** `# HELP name text` and `# TYPE name type`; other comments are ignored. Returns the family named. */
function readComment<S extends Named>(families: Families<S>, line: string): FamilyOf<S> | undefined {
  const match = /^#\s*(HELP|TYPE)\s+(\S+)(?:[ \t](.*))?$/.exec(line);
  if (!match) return undefined;
  const [, keyword, name, rest = ""] = match;
  const family = familyNamed(families, name!);
  // HELP text escapes only backslashes and newlines (quotes are escaped in label values alone).
  if (keyword === "HELP") family.help = rest.replace(/\\([\\n])/g, (_, c: string) => (c === "n" ? "\n" : c));
  else family.type = metricType(rest.trim());
  return family;
}

/** Whether a family in `only` could own a sample or comment about `name`. */
function wanted(only: ReadonlySet<string>, name: string): boolean {
  if (only.has(name)) return true;
  for (const suffix of ALL_SUFFIXES) if (name.endsWith(suffix) && only.has(name.slice(0, -suffix.length))) return true;
  return false;
}

const COMMENT_NAME = /^#\s*(?:HELP|TYPE)\s+(\S+)/;

/**
 * Whether a sample line is wanted (lines that start with no name are, so the parser reports
 * them). Consecutive lines mostly share a name (a histogram's buckets), so the last decision is
 * reused while the name repeats.
 */
function sampleFilter(only: ReadonlySet<string>): (line: string) => boolean {
  let lastName = "";
  let lastWanted = true;
  return function isWanted(line) {
    if (lastName !== "" && hasPrefix(line, lastName)) {
      const next = line.charCodeAt(lastName.length);
      if (next === 0x7b || next === 0x20 || next === 0x09) return lastWanted; // `{`, space, tab
    }
    const name = sampleName(line);
    if (name === "") return true;
    lastName = name;
    lastWanted = wanted(only, name);
    return lastWanted;
  };
}

export type SkippedLine = (lineNumber: number, line: string) => void;

/**
 * The families of `body`, each sample read by `read` (undefined: not a sample line). Throws when
 * no sample at all could be read although lines were there.
 */
function readFamilies<S extends Named>(body: string, read: (line: string) => S | undefined, onSkip?: SkippedLine, only?: ReadonlySet<string>): Families<S> {
  const families: Families<S> = new Map();
  let current: FamilyOf<S> | undefined;
  let parsed = 0;
  let firstBad: { number: number; line: string } | undefined;
  const lines = body.split("\n");
  const sampleWanted = only === undefined ? undefined : sampleFilter(only);
  for (let index = 0; index < lines.length; index++) {
    let line = lines[index]!;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    const first = line.trimStart();
    if (first === "") continue;
    if (first.startsWith("#")) {
      if (only !== undefined) {
        const name = COMMENT_NAME.exec(first)?.[1];
        if (name === undefined || !wanted(only, name)) continue;
      }
      current = readComment(families, first) ?? current;
      continue;
    }
    if (sampleWanted !== undefined && !sampleWanted(line)) continue;
    const sample = read(line);
    if (!sample) {
      firstBad ??= { number: index + 1, line };
      onSkip?.(index + 1, line);
      continue;
    }
    parsed++;
    let family = current && belongsTo(current, sample.name) ? current : familyOf(families, sample.name);
    family ??= familyNamed(families, sample.name);
    family.samples.push(sample);
    current = family;
  }
  if (parsed === 0 && firstBad) {
    const shown = firstBad.line.length > 80 ? `${firstBad.line.slice(0, 80)}…` : firstBad.line;
    throw new KittError(
      "ENGINE_REQUEST_FAILED",
      `not a Prometheus text exposition: no sample could be read (line ${firstBad.number}: ${JSON.stringify(shown)})`,
    );
  }
  return families;
}

export function parsePrometheusText(body: string, onSkip?: SkippedLine, only?: ReadonlySet<string>): Exposition {
  return readFamilies(body, parseSampleLine, onSkip, only);
}

function rawSample(line: string): RawSample | undefined {
  const name = sampleName(line);
  return name === "" ? undefined : { name, line };
}

/**
 * The families in `only`, their sample lines kept as written and read only for their names:
 * for passing lines on renamed, without the cost of parsing their labels and values.
 */
export function readRawFamilies(body: string, only: ReadonlySet<string>): Families<RawSample> {
  return readFamilies(body, rawSample, undefined, only);
}
