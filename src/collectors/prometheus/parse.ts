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

/** `name` as a literal inside a regular expression. */
function escapeRegExp(name: string): string {
  return name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const linesOfFamilies = new WeakMap<ReadonlySet<string>, RegExp>();

/**
 * Finds, in one pass of the regular-expression engine, the start of each line that concerns the
 * families in `only`: a `# HELP` or `# TYPE` comment or a sample whose name is one of them (with
 * one of the suffixes a family's samples carry), and a line that starts with no metric name, so
 * that it is still reported. Every other line is passed over without being looked at from
 * JavaScript, which is most of a large body.
 */
function linesOf(only: ReadonlySet<string>): RegExp {
  let pattern = linesOfFamilies.get(only);
  if (pattern === undefined) {
    const names = [...only].map(escapeRegExp).join("|");
    const suffixes = ALL_SUFFIXES.join("|");
    const comment = String.raw`[^\S\n]*#[^\S\n]*(?:HELP|TYPE)[^\S\n]+(?:${names})(?:${suffixes})?(?=\s|$)`;
    const sample = String.raw`[ \t]*(?:${names})(?:${suffixes})?(?![a-zA-Z0-9_:])`;
    const nameless = String.raw`(?![^\S\n]*#)[ \t]*(?=[^a-zA-Z0-9_:# \t\n])(?=[^\n]*\S)`;
    pattern = new RegExp(`^(?:${comment}|${sample}|${nameless})`, "gm");
    linesOfFamilies.set(only, pattern);
  }
  return pattern;
}

/**
 * Calls `visit` with each line of `body` (without its `\r`) and the index it starts at; given
 * `only`, with the lines that concern those families alone (`linesOf`): their `# HELP` and
 * `# TYPE` comments, their samples, and lines that start with no metric name. Stops early when
 * `visit` answers false.
 */
export function eachLine(body: string, only: ReadonlySet<string> | undefined, visit: (line: string, at: number) => boolean | void): void {
  const withoutReturn = (line: string): string => (line.endsWith("\r") ? line.slice(0, -1) : line);
  if (only === undefined) {
    let at = 0;
    for (const line of body.split("\n")) {
      if (visit(withoutReturn(line), at) === false) return;
      at += line.length + 1;
    }
    return;
  }
  const pattern = linesOf(only);
  pattern.lastIndex = 0;
  for (let match = pattern.exec(body); match !== null; match = pattern.exec(body)) {
    const at = match.index;
    let end = body.indexOf("\n", at);
    if (end < 0) end = body.length;
    pattern.lastIndex = end;
    if (visit(withoutReturn(body.slice(at, end)), at) === false) return;
  }
}

/** The 1-based number of the line starting at an index, for indexes asked in increasing order. */
function lineNumbers(body: string): (at: number) => number {
  let counted = 0;
  let number = 1;
  return (at) => {
    for (let i = body.indexOf("\n", counted); i >= 0 && i < at; i = body.indexOf("\n", i + 1)) number++;
    counted = at;
    return number;
  };
}

export type SkippedLine = (lineNumber: number, line: string) => void;

/**
 * The families of `body`, each sample read by `read` (undefined: not a sample line). Throws when
 * no sample at all could be read although lines were there.
 */
function readFamilies<S extends Named>(body: string, read: (line: string, at: number) => S | undefined, onSkip?: SkippedLine, only?: ReadonlySet<string>): Families<S> {
  const families: Families<S> = new Map();
  let current: FamilyOf<S> | undefined;
  let parsed = 0;
  let firstBad: { number: number; line: string } | undefined;
  const lineNumberAt = lineNumbers(body);
  eachLine(body, only, (line, at) => {
    const first = line.trimStart();
    if (first === "") return;
    if (first.startsWith("#")) {
      current = readComment(families, first) ?? current;
      return;
    }
    const sample = read(line, at);
    if (!sample) {
      const number = lineNumberAt(at);
      firstBad ??= { number, line };
      onSkip?.(number, line);
      return;
    }
    parsed++;
    let family = current && belongsTo(current, sample.name) ? current : familyOf(families, sample.name);
    family ??= familyNamed(families, sample.name);
    family.samples.push(sample);
    current = family;
  });
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

function rawSample(line: string, at: number): RawSample | undefined {
  const name = sampleName(line);
  return name === "" ? undefined : { name, line, at };
}

/**
 * The families in `only`, their sample lines kept as written and read only for their names:
 * for passing lines on renamed, without the cost of parsing their labels and values.
 */
export function readRawFamilies(body: string, only: ReadonlySet<string>): Families<RawSample> {
  return readFamilies(body, rawSample, undefined, only);
}
