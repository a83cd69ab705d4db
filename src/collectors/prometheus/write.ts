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

function escapeLabelValue(value: string): string {
  return value.replace(LABEL_VALUE_ESCAPES, (c) => (c === "\n" ? "\\n" : `\\${c}`));
}

/** HELP text escapes backslashes and newlines only. */
function escapeHelp(help: string): string {
  return help.replace(/[\\\n]/g, (c) => (c === "\n" ? "\\n" : "\\\\"));
}

function labelText(labels: Labels): string {
  let text = "";
  for (const name in labels) text += `${text === "" ? "{" : ","}${name}="${escapeLabelValue(labels[name]!)}"`;
  return text === "" ? "" : `${text}}`;
}

/** One sample line, without the newline. */
export function formatSample(sample: Sample): string {
  const line = `${sample.name}${labelText(sample.labels)} ${formatNumber(sample.value)}`;
  return sample.timestamp === undefined ? line : `${line} ${sample.timestamp}`;
}

/** `# HELP`, `# TYPE` and the samples of each family; every line ends with a newline. */
export function writePrometheusText(families: Iterable<MetricFamily>): string {
  let text = "";
  for (const family of families) {
    if (family.help !== undefined) text += `# HELP ${family.name} ${escapeHelp(family.help)}\n`;
    text += `# TYPE ${family.name} ${family.type}\n`;
    for (const sample of family.samples) text += `${formatSample(sample)}\n`;
  }
  return text;
}
