/**
 * Writes families in the Prometheus text exposition format 0.0.4, the inverse of `parse.ts`:
 * what it writes parses back to the same families (names, types, help, labels, values,
 * timestamps). Numbers are written so that Go's `ParseFloat` reads them back exactly, with
 * Prometheus's spellings of infinity and NaN.
 */
import type { Labels, MetricFamily, Sample } from "./types.js";

/** A sample value as the format spells it: `+Inf`, `-Inf`, `NaN`, else the shortest exact decimal. */
export function formatNumber(value: number): string {
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  if (Number.isNaN(value)) return "NaN";
  return Object.is(value, -0) ? "-0" : String(value);
}

const LABEL_VALUE_ESCAPES = /[\\"\n]/g;

/** A label value as the format writes it between quotes. */
export function escapeLabelValue(value: string): string {
  // Most values need no escape; looking first is cheaper than a replace on every label.
  if (value.indexOf("\\") < 0 && value.indexOf('"') < 0 && value.indexOf("\n") < 0) return value;
  return value.replace(LABEL_VALUE_ESCAPES, (c) => (c === "\n" ? "\\n" : `\\${c}`));
}

/** HELP text escapes backslashes and newlines only. */
function escapeHelp(help: string): string {
  return help.replace(/[\\\n]/g, (c) => (c === "\n" ? "\\n" : "\\\\"));
}

/** `{a="1",b="2"}`, or "" for no labels. */
function formatLabels(labels: Labels): string {
  let text = "";
  for (const name in labels) text += `${text === "" ? "{" : ","}${name}="${escapeLabelValue(labels[name]!)}"`;
  return text === "" ? "" : `${text}}`;
}

/** A sample line after its name (labels, value, timestamp), without the newline. */
function formatSampleAfterName(sample: Sample): string {
  const text = `${formatLabels(sample.labels)} ${formatNumber(sample.value)}`;
  return sample.timestamp === undefined ? text : `${text} ${sample.timestamp}`;
}

/** `# HELP` (when the family has help) and `# TYPE` lines, each ending with a newline. */
export function formatFamilyHeader(family: Pick<MetricFamily, "name" | "type" | "help">): string {
  const type = `# TYPE ${family.name} ${family.type}\n`;
  return family.help === undefined ? type : `# HELP ${family.name} ${escapeHelp(family.help)}\n${type}`;
}

/** `# HELP`, `# TYPE` and the samples of each family; every line ends with a newline. */
export function writePrometheusText(families: Iterable<MetricFamily>): string {
  let text = "";
  for (const family of families) {
    text += formatFamilyHeader(family);
    for (const sample of family.samples) text += `${sample.name}${formatSampleAfterName(sample)}\n`;
  }
  return text;
}
